using Pipeline.Training.Reports;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Reports;

public sealed class PrincipalComponentsTests
{
    [Fact]
    public void Project_FindsTheAxesOfKnownVariance()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        // Independent coordinates of standard deviation 3, 1 and 0.1, then rotated into 6 dimensions by an orthonormal map.
        Tensor latent = randn([4000, 3], dtype: ScalarType.Float64, generator: generator).mul(tensor(new double[] { 3, 1, 0.1 }));
        (Tensor q, _) = linalg.qr(randn([6, 3], dtype: ScalarType.Float64, generator: generator));
        Tensor data = latent.matmul(q.t()).add(5);

        (Tensor coordinates, double[] explained) = PrincipalComponents.Project(data, 2);

        // Variances 9, 1 and 0.01 of 10.01 in all, up to sampling error.
        Assert.Equal(9 / 10.01, explained[0], 2);
        Assert.Equal(1 / 10.01, explained[1], 2);
        Assert.Equal([4000L, 2L], coordinates.shape);
        // The first coordinate is the first latent one up to its sign.
        double correlation = corrcoef(stack([coordinates.select(1, 0), latent.select(1, 0)])).select(0, 0).select(0, 1).item<double>();
        Assert.InRange(Math.Abs(correlation), 0.999, 1.0);
    }

    [Fact]
    public void Project_MoreComponentsThanDimensions_IsRefused()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => PrincipalComponents.Project(zeros(10, 1), 2));
    }
}
