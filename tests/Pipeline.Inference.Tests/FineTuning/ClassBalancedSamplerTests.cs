using Pipeline.Data;
using Pipeline.Inference.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class ClassBalancedSamplerTests
{
    private static readonly int[] Imbalanced = [.. Enumerable.Repeat(0, 90), .. Enumerable.Repeat(1, 10)];

    [Fact]
    public void EpochOrder_Unbalanced_IsASeededPermutationThatChangesWithTheEpoch()
    {
        int[] labels = [.. Enumerable.Repeat(0, 50), .. Enumerable.Repeat(1, 50)];
        var sampler = new ClassBalancedSampler(labels, 2, ClassBalance.Auto, seed: 4);

        Assert.False(sampler.Balanced);
        Assert.Equal(Enumerable.Range(0, 100), sampler.EpochOrder(0).Order());
        Assert.Equal(sampler.EpochOrder(3), new ClassBalancedSampler(labels, 2, ClassBalance.Auto, seed: 4).EpochOrder(3));
        Assert.NotEqual(sampler.EpochOrder(0), sampler.EpochOrder(1));
    }

    [Fact]
    public void EpochOrder_Balanced_GivesEveryClassAnEqualShare()
    {
        var sampler = new ClassBalancedSampler(Imbalanced, 2, ClassBalance.Auto, seed: 1);

        int[] order = sampler.EpochOrder(0);

        Assert.True(sampler.Balanced);
        Assert.Equal(100, order.Length);
        Assert.Equal(50, order.Count(i => Imbalanced[i] == 1));
        // The minority class repeats, each of its examples 5 times; the majority is sub-sampled without repeats.
        Assert.All(order.Where(i => Imbalanced[i] == 1).GroupBy(i => i), group => Assert.Equal(5, group.Count()));
        Assert.Equal(50, order.Where(i => Imbalanced[i] == 0).Distinct().Count());
    }

    [Fact]
    public void Off_NeverBalances()
    {
        Assert.False(new ClassBalancedSampler(Imbalanced, 2, ClassBalance.Off, 1).Balanced);
        Assert.True(new ClassBalancedSampler([0, 1, 0, 1], 2, ClassBalance.On, 1).Balanced);
    }

    [Fact]
    public void LabelOutsideTheClasses_IsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassBalancedSampler([0, 3], 2, ClassBalance.Auto, 1));

        Assert.Contains("Label 3 of example 1", error.Message);
    }

    [Fact]
    public void ValidationSplit_IsStratifiedDisjointAndSeeded()
    {
        int[] labels = [.. Enumerable.Repeat(0, 40), .. Enumerable.Repeat(1, 20), 2];

        (int[] training, int[] validation) = ValidationSplit.Stratified(labels, 3, 0.1, seed: 7);

        Assert.Equal(4, validation.Count(i => labels[i] == 0));
        Assert.Equal(2, validation.Count(i => labels[i] == 1));
        Assert.DoesNotContain(validation, i => labels[i] == 2); // a class of one keeps its only example for training
        Assert.Equal(Enumerable.Range(0, labels.Length), training.Concat(validation).Order());
        Assert.Equal(validation, ValidationSplit.Stratified(labels, 3, 0.1, seed: 7).Validation);
        Assert.Empty(ValidationSplit.Stratified(labels, 3, 0, seed: 7).Validation);
    }
}
