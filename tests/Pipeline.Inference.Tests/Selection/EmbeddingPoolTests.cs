using Pipeline.Errors;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

public sealed class EmbeddingPoolTests
{
    [Fact]
    public void Rows_AreScaledToUnitLength_AndZeroRowsStayZero()
    {
        var pool = new EmbeddingPool([3, 4, 0, 0, 0, 2], 2);

        Assert.Equal(3, pool.Count);
        Assert.Equal([0.6f, 0.8f], pool.Row(0).ToArray());
        Assert.Equal([0f, 0f], pool.Row(1).ToArray());
        Assert.Equal([0f, 1f], pool.Row(2).ToArray());
        Assert.Equal(MathF.Sqrt(0.6f * 0.6f + 0.2f * 0.2f), pool.Distance(0, 2), 5);
    }

    [Fact]
    public void Constructor_RefusesRaggedOrNonFiniteEmbeddings()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingPool([1, 2, 3], 2));
        UserErrorException nan = Assert.Throws<UserErrorException>(() => new EmbeddingPool([1, float.NaN], 2));
        Assert.Contains("NaN", nan.Message);
    }
}
