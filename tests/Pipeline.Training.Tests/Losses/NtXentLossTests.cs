using Pipeline.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Losses;

public sealed class NtXentLossTests
{
    [Fact]
    public void Compute_TwoOrthogonalImages_EqualsHandComputedValue()
    {
        // Views 0,1 are images A,B; views 2,3 their second views, identical to the first. With τ = 1 each view sees
        // similarity 1 to its positive and 0 to the two negatives: loss = −log(e / (e + 2)) = log(1 + 2/e).
        using Tensor z1 = tensor(new float[] { 1, 0, 0, 1 }).reshape(2, 2);
        using Tensor z2 = z1.clone();
        using Tensor loss = new NtXentLoss(temperature: 1.0).Compute(z1, z2);

        Assert.Equal(Math.Log(1 + 2 / Math.E), loss.item<float>(), 5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Compute_AnyBatchSize_MatchesDirectFormula(int n)
    {
        var generator = new Random(n);
        float[] a = Enumerable.Range(0, n * 5).Select(_ => (float)generator.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, n * 5).Select(_ => (float)generator.NextDouble() - 0.5f).ToArray();
        using Tensor z1 = tensor(a).reshape(n, 5);
        using Tensor z2 = tensor(b).reshape(n, 5);

        using Tensor loss = new NtXentLoss(temperature: 0.5).Compute(z1, z2);

        Assert.Equal(ReferenceLoss(a, b, n, 5, 0.5), loss.item<float>(), 4);
    }

    [Fact]
    public void Compute_SingleImage_IsZeroBecauseThereAreNoNegatives()
    {
        using Tensor z1 = tensor(new float[] { 0.3f, -2f }).reshape(1, 2);
        using Tensor z2 = tensor(new float[] { 1f, 4f }).reshape(1, 2);

        using Tensor loss = new NtXentLoss().Compute(z1, z2);

        Assert.Equal(0.0, loss.item<float>(), 6);
    }

    [Fact]
    public void Compute_HasGradientThatPullsPositivesTogether()
    {
        using Tensor z1 = tensor(new float[] { 1, 0.2f, 0, 1 }).reshape(2, 2).requires_grad_();
        using Tensor z2 = tensor(new float[] { 0.8f, 0.6f, 0.1f, 1 }).reshape(2, 2);
        var loss = new NtXentLoss(0.5);
        using Tensor before = loss.Compute(z1, z2);
        before.backward();
        using (no_grad())
        {
            z1.sub_(z1.grad!.mul(0.1));
        }
        using Tensor after = loss.Compute(z1, z2);

        Assert.True(after.item<float>() < before.item<float>());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-5)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_UnusableTemperature_IsRefusedWithTheValue(double temperature)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new NtXentLoss(temperature));
        Assert.Contains(temperature.ToString(System.Globalization.CultureInfo.CurrentCulture), error.Message);
    }

    [Fact]
    public void Compute_ShapesDiffer_ThrowsNamingBothShapes()
    {
        using Tensor z1 = zeros(4, 8);
        using Tensor z2 = zeros(3, 8);

        var error = Assert.Throws<ArgumentException>(() => new NtXentLoss().Compute(z1, z2));
        Assert.Contains("[4, 8]", error.Message);
        Assert.Contains("[3, 8]", error.Message);
    }

    /// <summary>NT-Xent straight from equation 1 of the paper, in doubles and loops.</summary>
    private static double ReferenceLoss(float[] a, float[] b, int n, int d, double temperature)
    {
        var views = new double[2 * n][];
        for (int i = 0; i < 2 * n; i++)
        {
            float[] source = i < n ? a : b;
            int row = i % n;
            double[] v = Enumerable.Range(0, d).Select(j => (double)source[row * d + j]).ToArray();
            double norm = Math.Sqrt(v.Sum(x => x * x));
            views[i] = v.Select(x => x / norm).ToArray();
        }
        double total = 0;
        for (int i = 0; i < 2 * n; i++)
        {
            int positive = (i + n) % (2 * n);
            double denominator = 0;
            for (int k = 0; k < 2 * n; k++)
            {
                if (k != i)
                {
                    denominator += Math.Exp(Dot(views[i], views[k]) / temperature);
                }
            }
            total += -Math.Log(Math.Exp(Dot(views[i], views[positive]) / temperature) / denominator);
        }
        return total / (2 * n);
    }

    private static double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();
}
