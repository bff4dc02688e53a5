using Pipeline.Figures;

namespace Pipeline.Inference.Tests.Figures;

public sealed class PrincipalComponentsTests
{
    // Orthonormal directions in six dimensions.
    private static readonly double[] U1 = [.. new double[] { 1, 1, 1, 1, 1, 1 }.Select(v => v / Math.Sqrt(6))];
    private static readonly double[] U2 = [.. new double[] { 1, -1, 1, -1, 1, -1 }.Select(v => v / Math.Sqrt(6))];
    private static readonly double[] U3 = [1 / 2.0, 1 / 2.0, -1 / 2.0, -1 / 2.0, 0, 0];

    [Fact]
    public void Fit_PointsOfKnownSpread_FindsTheirAxesAndExactVarianceRatios()
    {
        // Every sign of (±3, ±1, ±0.1) along U1, U2, U3, shifted by 5: the covariance is exactly 9 U1U1ᵀ + U2U2ᵀ + 0.01 U3U3ᵀ.
        var rows = new List<float>();
        var along = new List<double>();
        foreach (int signs in Enumerable.Range(0, 8))
        {
            double a = (signs & 1) == 0 ? 3 : -3, b = (signs & 2) == 0 ? 1 : -1, c = (signs & 4) == 0 ? 0.1 : -0.1;
            rows.AddRange(Enumerable.Range(0, 6).Select(i => (float)(5 + a * U1[i] + b * U2[i] + c * U3[i])));
            along.Add(a);
        }

        PrincipalComponents components = PrincipalComponents.Fit(rows.ToArray(), 6, 2);

        Assert.Equal(2, components.Components);
        Assert.Equal(9 / 10.01, components.ExplainedVarianceRatios[0], 1e-6);
        Assert.Equal(1 / 10.01, components.ExplainedVarianceRatios[1], 1e-6);
        Assert.Equal(9, components.Variances[0], 1e-5);
        Assert.Equal(10.01, components.TotalVariance, 1e-5);
        Assert.All(components.Mean.ToArray(), mean => Assert.Equal(5, mean, 1e-6));
        // The axes are U1 and U2 up to sign; U1's components are all positive, so it keeps its sign.
        Assert.Equal(1, Dot(components.Axis(0), U1), 1e-6);
        Assert.Equal(1, Math.Abs(Dot(components.Axis(1), U2)), 1e-6);
        double[][] coordinates = components.Project(rows.ToArray());
        Assert.Equal(along, coordinates[0], (x, y) => Math.Abs(x - y) < 1e-5);
    }

    [Fact]
    public void Fit_ManyDimensions_RecoversTheStretchedDirections_TheSameEveryTime()
    {
        // 3,000 points in 300 dimensions: noise of variance 0.01 in every direction, plus variance 16 along v and 4 along w.
        const int count = 3000, dim = 300;
        var random = new Random(4);
        double[] v = UnitRandom(dim, random);
        double[] w = UnitRandom(dim, random);
        double vw = Dot(w, v);
        w = [.. w.Select((x, i) => x - vw * v[i])];
        double wNorm = Math.Sqrt(Dot(w, w));
        w = [.. w.Select(x => x / wNorm)];
        float[] rows = new float[count * dim];
        for (int n = 0; n < count; n++)
        {
            // Uniform draws on [−√3, √3] have variance 1.
            double g = Uniform(random), h = Uniform(random);
            for (int i = 0; i < dim; i++)
            {
                rows[n * dim + i] = (float)(4 * g * v[i] + 2 * h * w[i] + 0.1 * Uniform(random) + 1);
            }
        }

        PrincipalComponents components = PrincipalComponents.Fit(rows, dim, 2);
        PrincipalComponents again = PrincipalComponents.Fit(rows, dim, 2);

        Assert.InRange(Math.Abs(Dot(components.Axis(0), v)), 0.999, 1.0);
        Assert.InRange(Math.Abs(Dot(components.Axis(1), w)), 0.999, 1.0);
        // 16, 4 and 300 × 0.01 of 23 in all, up to sampling error.
        Assert.Equal(16 / 23.0, components.ExplainedVarianceRatios[0], 0.04);
        Assert.Equal(4 / 23.0, components.ExplainedVarianceRatios[1], 0.04);
        Assert.Equal(components.Axis(0).ToArray(), again.Axis(0).ToArray());
        Assert.Equal(components.Axis(1).ToArray(), again.Axis(1).ToArray());
        Assert.Equal(components.ExplainedVarianceRatios, again.ExplainedVarianceRatios);
    }

    [Fact]
    public void Fit_FewerVectorsThanDimensions_GivesOrthonormalAxes()
    {
        // Five vectors in 50 dimensions span at most four directions around their mean: fewer than the iteration's basis.
        var random = new Random(1);
        float[] rows = [.. Enumerable.Range(0, 5 * 50).Select(_ => (float)random.NextDouble())];

        PrincipalComponents components = PrincipalComponents.Fit(rows, 50, 5);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(1, Dot(components.Axis(i), components.Axis(i)), 1e-9);
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(0, Dot(components.Axis(i), components.Axis(j)), 1e-9);
            }
        }
        Assert.Equal(1, components.ExplainedVarianceRatios.Take(4).Sum(), 1e-6);
        Assert.Equal(0, components.ExplainedVarianceRatios[4], 1e-6);
    }

    [Fact]
    public void Fit_IdenticalVectors_ExplainNothing_AndProjectToZero()
    {
        float[] rows = [.. Enumerable.Repeat(new float[] { 1, 2, 3 }, 4).SelectMany(row => row)];

        PrincipalComponents components = PrincipalComponents.Fit(rows, 3, 2);

        Assert.Equal(new[] { 0.0, 0.0 }, components.ExplainedVarianceRatios);
        Assert.All(components.Project(rows), axis => Assert.All(axis, coordinate => Assert.Equal(0, coordinate)));
    }

    [Theory]
    [InlineData(4, 3, 4)] // more components than dimensions
    [InlineData(1, 3, 2)] // more components than vectors
    [InlineData(2, 3, 0)]
    public void Fit_ComponentsOutOfRange_AreRefused(int count, int dim, int components)
    {
        var error = Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit(new float[count * dim], dim, components));
        Assert.Contains($"{components} asked of {count} vectors of {dim}", error.Message);
    }

    [Fact]
    public void Fit_RaggedOrNotFiniteData_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit(new float[7], 3, 1));
        Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit(new[] { 1f, float.NaN, 0, 1 }, 2, 1));
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double Uniform(Random random) => Math.Sqrt(3) * (2 * random.NextDouble() - 1);

    private static double[] UnitRandom(int dim, Random random)
    {
        double[] vector = [.. Enumerable.Range(0, dim).Select(_ => Uniform(random))];
        double norm = Math.Sqrt(Dot(vector, vector));
        return [.. vector.Select(x => x / norm)];
    }
}
