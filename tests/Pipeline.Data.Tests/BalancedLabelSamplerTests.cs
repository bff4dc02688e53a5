namespace Pipeline.Data.Tests;

public sealed class BalancedLabelSamplerTests
{
    [Theory]
    [InlineData(new[] { 100, 100, 100 }, 7, new[] { 3, 2, 2 })]
    [InlineData(new[] { 100, 100, 100 }, 9, new[] { 3, 3, 3 })]
    [InlineData(new[] { 1, 5, 5 }, 7, new[] { 1, 3, 3 })]
    [InlineData(new[] { 1, 5, 5 }, 8, new[] { 1, 4, 3 })]
    [InlineData(new[] { 5, 1, 5 }, 4, new[] { 2, 1, 1 })]
    [InlineData(new[] { 0, 2, 10 }, 9, new[] { 0, 2, 7 })]
    [InlineData(new[] { 3, 4 }, 7, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, 0, new[] { 0, 0 })]
    public void Quotas_SplitEvenly_RemainderLowFirst_ShortfallToOthers(int[] available, int total, int[] expected)
    {
        Assert.Equal(expected, BalancedLabelSampler.Quotas(available, total));
    }

    [Fact]
    public void Quotas_GrowWithTheTotal()
    {
        int[] available = [50, 3, 20, 0, 7];
        int[] previous = new int[available.Length];
        for (int total = 0; total <= available.Sum(); total++)
        {
            int[] quotas = BalancedLabelSampler.Quotas(available, total);

            Assert.Equal(total, quotas.Sum());
            Assert.All(Enumerable.Range(0, available.Length), c => Assert.InRange(quotas[c], previous[c], available[c]));
            previous = quotas;
        }
    }

    [Fact]
    public void Quotas_TotalAboveAvailable_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BalancedLabelSampler.Quotas([2, 3], 6));
    }

    [Fact]
    public void Sample_ImbalancedClasses_TakesQuotaFromEach()
    {
        // Class 0: 2 images, class 1: 10, class 2: 4.
        int[] labels = [.. Enumerable.Repeat(0, 2), .. Enumerable.Repeat(1, 10), .. Enumerable.Repeat(2, 4)];

        int[] chosen = BalancedLabelSampler.Sample(labels, 3, 9, seed: 11);

        Assert.Equal([2, 4, 3], Enumerable.Range(0, 3).Select(c => chosen.Count(i => labels[i] == c)));
    }

    [Fact]
    public void Sample_LabelOutsideClasses_NamesItsIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => BalancedLabelSampler.Sample([0, 1, 3], 3, 1, seed: 0));

        Assert.StartsWith("Label 3 at index 2 is outside the 3 classes (0-2).", error.Message);
    }
}
