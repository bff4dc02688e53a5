using Pipeline.Errors;
namespace Pipeline.Data.Tests;

public sealed class LabelFractionTests
{
    // 60,000 labels, 6,000 per class, interleaved like a shuffled dataset.
    private static readonly int[] BalancedLabels = Enumerable.Range(0, 60000).Select(i => i * 7 % 10).ToArray();

    [Theory]
    [InlineData("1%", 1.0)]
    [InlineData("10%", 10.0)]
    [InlineData("100%", 100.0)]
    [InlineData("0.5%", 0.5)]
    [InlineData("33.25%", 33.25)]
    public void Parse_Percentage_KeepsIt(string text, double percent)
    {
        LabelFraction fraction = LabelFraction.Parse(text);

        Assert.Equal(percent, fraction.Percent);
        Assert.Null(fraction.Count);
        Assert.Equal(text, fraction.ToString());
    }

    [Fact]
    public void Parse_WholeNumber_IsACount()
    {
        LabelFraction fraction = LabelFraction.Parse("600");

        Assert.Equal(600, fraction.Count);
        Assert.Null(fraction.Percent);
        Assert.Equal("600", fraction.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("%")]
    [InlineData("0%")]
    [InlineData("0.0%")]
    [InlineData("100.5%")]
    [InlineData("101%")]
    [InlineData("-1%")]
    [InlineData("1e1%")]
    [InlineData("NaN%")]
    [InlineData("1,5%")]
    [InlineData("0")]
    [InlineData("-600")]
    [InlineData("+600")]
    [InlineData("1.5")]
    [InlineData("ten")]
    [InlineData("1 %")]
    [InlineData("99999999999")]
    public void Parse_Bad_ListsAcceptedForms(string text)
    {
        var error = Assert.Throws<InvalidSettingException>(() => LabelFraction.Parse(text));

        Assert.Equal($"'{text}' is not a label fraction: use {LabelFraction.AcceptedForms}.", error.Message);
    }

    [Theory]
    [InlineData("1%", 60000, 600)]
    [InlineData("10%", 60000, 6000)]
    [InlineData("0.5%", 60000, 300)]
    [InlineData("100%", 60000, 60000)]
    [InlineData("1%", 150, 2)]   // 1.5 rounds away from zero
    [InlineData("1%", 10, 1)]    // 0.1 would round to none: at least one
    [InlineData("600", 60000, 600)]
    [InlineData("1%", 0, 0)]
    public void CountFor_GivesRoundedShare(string text, int imageCount, int expected)
    {
        Assert.Equal(expected, LabelFraction.Parse(text).CountFor(imageCount));
    }

    [Fact]
    public void CountFor_CountAboveImages_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LabelFraction.FromCount(700).CountFor(600));

        Assert.Contains("700 labels asked for, but the set has only 600 images", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(100.01)]
    [InlineData(double.NaN)]
    public void FromPercent_OutOfRange_Throws(double percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelFraction.FromPercent(percent));
    }

    [Fact]
    public void Select_OnePercentOfFashionMnistSized_Gives60PerClass()
    {
        int[] chosen = LabelFraction.Parse("1%").Select(BalancedLabels, 10, seed: 0);

        Assert.Equal(600, chosen.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(60, chosen.Count(i => BalancedLabels[i] == c)));
    }

    [Fact]
    public void Select_Count_GivesExactlyThatManySortedAndDistinct()
    {
        int[] chosen = LabelFraction.Parse("25").Select(BalancedLabels, 10, seed: 3);

        Assert.Equal(25, chosen.Length);
        Assert.Equal(chosen.Order().Distinct(), chosen);
        Assert.All(chosen, i => Assert.InRange(i, 0, BalancedLabels.Length - 1));
        // 2 or 3 per class: the 5 extra to classes 0-4.
        Assert.Equal([3, 3, 3, 3, 3, 2, 2, 2, 2, 2],
            Enumerable.Range(0, 10).Select(c => chosen.Count(i => BalancedLabels[i] == c)));
    }

    [Fact]
    public void Select_SameSeed_SameIndices()
    {
        LabelFraction fraction = LabelFraction.Parse("1%");

        Assert.Equal(fraction.Select(BalancedLabels, 10, seed: 42), fraction.Select(BalancedLabels, 10, seed: 42));
    }

    [Fact]
    public void Select_DifferentSeeds_DifferentIndices()
    {
        LabelFraction fraction = LabelFraction.Parse("1%");

        int[] first = fraction.Select(BalancedLabels, 10, seed: 1);
        int[] second = fraction.Select(BalancedLabels, 10, seed: 2);

        Assert.NotEqual(first, second);
        Assert.True(first.Intersect(second).Count() < 100, "two seeds should share about 1% of 600 indices");
    }

    [Fact]
    public void Select_SmallerFraction_IsInsideLargerWithSameSeed()
    {
        int[] onePercent = LabelFraction.Parse("1%").Select(BalancedLabels, 10, seed: 7);
        int[] tenPercent = LabelFraction.Parse("10%").Select(BalancedLabels, 10, seed: 7);

        Assert.Subset(tenPercent.ToHashSet(), onePercent.ToHashSet());
    }

    [Fact]
    public void Select_AllPercent_ReturnsEveryIndex()
    {
        int[] labels = [2, 0, 1, 1, 0, 2, 2];

        Assert.Equal([0, 1, 2, 3, 4, 5, 6], LabelFraction.Parse("100%").Select(labels, 3, seed: 5));
    }
}
