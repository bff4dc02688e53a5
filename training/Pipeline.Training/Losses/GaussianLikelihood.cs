using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Losses;

/// <summary>
/// Independent Gaussian pixels with mean = the decoder's output and one variance σ² shared by every pixel, learned as
/// σ-VAE's "optimal σ" (Rybkin et al. 2021): in training, σ² is the maximum-likelihood value on the batch, the mean
/// squared error of its pixels; a running average of it, kept like batch norm's statistics, is the σ² of eval mode.
/// −log p(x | output) = ½·log(2π) + ½·log σ² + (x − output)² / (2σ²) per pixel, summed over pixels.
/// </summary>
/// <remarks>
/// With σ learned, the reconstruction term weighs itself against the KL term as the data's noise level dictates, where a
/// fixed σ would be an arbitrary β; taking the batch's optimum rather than a parameter means no optimizer has to walk
/// log σ² down from 0 first. σ² is held at or above (1/255)² / 12, the variance of the rounding to 8-bit grey levels,
/// so a density on [0, 1] cannot grow without bound on a near-perfect reconstruction. For an autoencoder without KL the
/// loss has the same minimiser as the mean squared error. It is a density: its nats are not comparable with the
/// Bernoulli's. The running variance is a buffer, so checkpoints carry it and a resumed run continues it exactly.
/// </remarks>
public sealed class GaussianLikelihood : ReconstructionLikelihood
{
    /// <summary>The smallest σ²: the variance of uniform rounding noise on 8-bit pixels, (1/255)² / 12.</summary>
    public const double MinVariance = 1.0 / (255.0 * 255.0 * 12.0);

    /// <summary>The weight of each training batch's σ² in the running average, batch norm's default.</summary>
    public const double Momentum = 0.1;

    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    // Field names are the state-dict keys.
    private readonly Tensor running_variance;

    public GaussianLikelihood() : base(nameof(GaussianLikelihood))
    {
        running_variance = ones(1);
        register_buffer(nameof(running_variance), running_variance);
    }

    public override Likelihood Kind => Likelihood.Gaussian;

    /// <summary>The σ² of eval mode, a one-element tensor.</summary>
    public Tensor RunningVariance => running_variance;

    public override Tensor Mean(Tensor output) => output.clamp(0, 1);

    protected override Tensor PixelNegativeLogLikelihood(Tensor output, Tensor pixels)
    {
        using var scope = NewDisposeScope();
        Tensor squaredError = pixels.sub(output).square();
        Tensor variance;
        if (training)
        {
            // The batch's maximum-likelihood σ², a constant of the loss: at the optimum ∂loss/∂σ = 0, so the gradient
            // reaching the output is the same with or without differentiating through it.
            variance = squaredError.detach().mean().clamp_min(MinVariance).reshape(1);
            using (no_grad())
            {
                running_variance.mul_(1 - Momentum).add_(variance, alpha: Momentum);
            }
        }
        else
        {
            variance = running_variance.clamp_min(MinVariance);
        }
        // ½·(x − μ)²/σ² + ½·log σ² + ½·log 2π, broadcast over [N, C, H, W].
        Tensor value = squaredError.div(variance).add(variance.log()).mul(0.5).add(HalfLogTwoPi);
        return scope.MoveToOuter(value);
    }
}
