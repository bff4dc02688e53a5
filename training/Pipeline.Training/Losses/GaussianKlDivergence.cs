using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Losses;

/// <summary>
/// The KL divergence of a diagonal Gaussian posterior q(z | x) = N(μ, diag σ²) from the standard normal prior
/// N(0, I), in closed form (Kingma and Welling 2014, Appendix B): ½·Σ_j (μ_j² + σ_j² − 1 − log σ_j²) per sample.
/// </summary>
public static class GaussianKlDivergence
{
    /// <summary>KL(q ‖ p) of each sample in nats, [N], from μ and log σ², both [N, L].</summary>
    public static Tensor FromStandardNormal(Tensor mean, Tensor logVariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(logVariance);
        if (mean.dim() != 2 || !mean.shape.SequenceEqual(logVariance.shape))
        {
            throw new ArgumentException(
                $"μ and log σ² must both be [N, L], not [{string.Join(", ", mean.shape)}] and [{string.Join(", ", logVariance.shape)}].");
        }
        using var scope = NewDisposeScope();
        // [N, L] → [N]
        Tensor perDimension = mean.square().add(logVariance.exp()).sub(1).sub(logVariance);
        return scope.MoveToOuter(perDimension.sum(1).mul(0.5));
    }
}
