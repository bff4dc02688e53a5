using Pipeline.Training.Losses;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Losses;

public sealed class GaussianKlDivergenceTests
{
    [Fact]
    public void FromStandardNormal_MatchesTheClosedFormOnHandValues()
    {
        // Row 0: q = N(0, 1) is the prior itself: 0.
        // Row 1: μ = (1, −2), σ² = (1, 4): ½·[(1 + 1 − 1 − 0) + (4 + 4 − 1 − ln 4)] = ½·(8 − ln 4) = 3.3068528…
        // Row 2: μ = 0.5, σ² = e⁻²: ½·(0.25 + e⁻² − 1 + 2) = 0.6926676…
        using Tensor mean = tensor(new float[] { 0, 0, 1, -2, 0.5f, 0 }).reshape(3, 2);
        using Tensor logVariance = tensor(new float[] { 0, 0, 0, MathF.Log(4), -2, 0 }).reshape(3, 2);

        using Tensor kl = GaussianKlDivergence.FromStandardNormal(mean, logVariance);

        Assert.Equal([3L], kl.shape);
        float[] values = kl.data<float>().ToArray();
        Assert.Equal(0.0, values[0], 6);
        Assert.Equal(0.5 * (8 - Math.Log(4)), values[1], 5);
        Assert.Equal(0.5 * (0.25 + Math.Exp(-2) - 1 + 2), values[2], 5);
    }

    [Fact]
    public void FromStandardNormal_AgreesWithAMonteCarloEstimate()
    {
        // KL(q ‖ p) = E_q[log q(z) − log p(z)], estimated from 200,000 samples of one 3-dimensional posterior.
        double[] mu = [0.3, -1.2, 2.0];
        double[] logVar = [-0.5, 0.7, -2.0];
        using Tensor mean = tensor(mu.Select(v => (float)v).ToArray()).reshape(1, 3);
        using Tensor logVariance = tensor(logVar.Select(v => (float)v).ToArray()).reshape(1, 3);
        using var generator = new Generator(11);
        using Tensor epsilon = randn([200_000, 3], dtype: ScalarType.Float64, generator: generator);
        using Tensor sigma = tensor(logVar).mul(0.5).exp();
        using Tensor z = tensor(mu).add(epsilon.mul(sigma));
        // log q(z) − log p(z) per sample: Σ_j −½ε_j² − ½ log σ_j² + ½ z_j².
        using Tensor logRatio = epsilon.square().mul(-0.5).sub(tensor(logVar).mul(0.5)).add(z.square().mul(0.5)).sum(1);

        using Tensor kl = GaussianKlDivergence.FromStandardNormal(mean, logVariance);

        // The estimate's standard error here is about 0.005.
        Assert.Equal(logRatio.mean().item<double>(), kl.item<float>(), tolerance: 0.03);
    }

    [Fact]
    public void FromStandardNormal_DifferentShapes_AreRefused()
    {
        using Tensor mean = zeros(4, 3);
        using Tensor logVariance = zeros(4, 2);

        var error = Assert.Throws<ArgumentException>(() => GaussianKlDivergence.FromStandardNormal(mean, logVariance));
        Assert.Contains("[4, 3] and [4, 2]", error.Message);
    }
}
