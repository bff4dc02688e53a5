using Pipeline.Inference.Search;

namespace Pipeline.Inference.Tests.Search;

public sealed class VectorStandardizationTests
{
    [Fact]
    public void Fit_GivesEachDimensionsMeanAndPopulationStandardDeviation()
    {
        // Rows (1, 10), (3, 10), (5, 40): means 3 and 20; standard deviations sqrt(8/3) and sqrt(200).
        var standardization = VectorStandardization.Fit([1, 10, 3, 10, 5, 40], 2);

        Assert.Equal(2, standardization.Dim);
        Assert.Equal([3f, 20f], standardization.Mean);
        Assert.Equal(MathF.Sqrt(8f / 3), standardization.Scale[0], 6);
        Assert.Equal(MathF.Sqrt(200f), standardization.Scale[1], 5);
    }

    [Fact]
    public void Apply_SubtractsTheMeanAndDividesByTheScale_RowByRow()
    {
        var standardization = new VectorStandardization([1f, -2f], [2f, 0.5f]);
        float[] rows = [3, -2, 1, 0];

        standardization.Apply(rows);

        Assert.Equal([1f, 0f, 0f, 4f], rows);
        Assert.Throws<ArgumentException>(() => standardization.Apply(new float[3]));
    }

    [Fact]
    public void ADimensionThatNeverVaries_KeepsScaleOne_AndBecomesZeroNotNaN()
    {
        var standardization = VectorStandardization.Fit([7, 1, 7, 2, 7, 3], 2);
        float[] rows = [7, 2, 8, 4];

        standardization.Apply(rows);

        Assert.Equal(1f, standardization.Scale[0]);
        Assert.Equal([0f, 0f, 1f], [rows[0], rows[1], rows[2]]);
        Assert.All(VectorStandardization.Fit([4, 5], 2).Scale, scale => Assert.Equal(1f, scale));
    }

    [Fact]
    public void BadStatistics_AndNoRows_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new VectorStandardization([0f, 0f], [1f]));
        Assert.Throws<ArgumentException>(() => new VectorStandardization([], []));
        Assert.Throws<ArgumentException>(() => new VectorStandardization([0f], [0f]));
        Assert.Throws<ArgumentException>(() => new VectorStandardization([float.NaN], [1f]));
        Assert.Throws<ArgumentException>(() => VectorStandardization.Fit([], 3));
        Assert.Throws<ArgumentException>(() => VectorStandardization.Fit([1, 2], 3));
    }
}
