using Pipeline.Figures;

namespace Pipeline.Inference.Tests.Figures;

public sealed class SymmetricEigenTests
{
    [Fact]
    public void Decompose_TwoByTwo_GivesTheKnownPairs_LargestFirst()
    {
        (double[] values, double[][] vectors) = SymmetricEigen.Decompose([2, 1, 1, 2], 2);

        Assert.Equal(3, values[0], 1e-14);
        Assert.Equal(1, values[1], 1e-14);
        Assert.Equal(Math.Sqrt(0.5), Math.Abs(vectors[0][0]), 1e-14);
        Assert.Equal(vectors[0][0], vectors[0][1], 1e-14);
        Assert.Equal(-vectors[1][0], vectors[1][1], 1e-14);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(18)]
    public void Decompose_RandomSymmetric_SatisfiesAvEqualsLambdaV_WithOrthonormalVectors(int n)
    {
        var random = new Random(n);
        var matrix = new double[n * n];
        for (int p = 0; p < n; p++)
        {
            for (int q = p; q < n; q++)
            {
                matrix[p * n + q] = matrix[q * n + p] = 2 * random.NextDouble() - 1;
            }
        }

        (double[] values, double[][] vectors) = SymmetricEigen.Decompose(matrix, n);

        Assert.Equal(values.OrderByDescending(value => value), values);
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < n; r++)
            {
                double product = Enumerable.Range(0, n).Sum(c => matrix[r * n + c] * vectors[i][c]);
                Assert.Equal(values[i] * vectors[i][r], product, 1e-12);
            }
            for (int j = 0; j <= i; j++)
            {
                Assert.Equal(i == j ? 1 : 0, Enumerable.Range(0, n).Sum(r => vectors[i][r] * vectors[j][r]), 1e-12);
            }
        }
        // The eigenvalues sum to the trace.
        Assert.Equal(Enumerable.Range(0, n).Sum(i => matrix[i * n + i]), values.Sum(), 1e-12);
    }

    [Fact]
    public void Decompose_RepeatedEigenvalues_StillGivesAnOrthonormalBasis()
    {
        // 2 I + a rank-one term along (1, 1, 1, 1): eigenvalues 6, 2, 2, 2.
        double[] matrix = [.. Enumerable.Range(0, 16).Select(i => (i / 4 == i % 4 ? 2.0 : 0.0) + 1)];

        (double[] values, double[][] vectors) = SymmetricEigen.Decompose(matrix, 4);

        Assert.Equal(new[] { 6.0, 2, 2, 2 }, values, (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.All(vectors[0], component => Assert.Equal(0.5, Math.Abs(component), 1e-12));
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                Assert.Equal(i == j ? 1 : 0, Enumerable.Range(0, 4).Sum(r => vectors[i][r] * vectors[j][r]), 1e-12);
            }
        }
    }

    [Fact]
    public void Decompose_NotASquareOfN_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose(new double[5], 2));
    }
}
