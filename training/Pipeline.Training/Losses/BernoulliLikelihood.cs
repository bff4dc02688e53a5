using static TorchSharp.torch;

namespace Pipeline.Training.Losses;

/// <summary>
/// Independent Bernoulli pixels with probabilities sigmoid(output): −log p(x | output) is the binary cross-entropy
/// with logits, x·softplus(−l) + (1 − x)·softplus(l), summed over pixels — the likelihood of Kingma and Welling's MNIST
/// experiments (2014).
/// </summary>
/// <remarks>
/// On grey levels in [0, 1] rather than binary pixels this is the usual practice, not a normalised density (the
/// continuous Bernoulli of Loaiza-Ganem and Cunningham 2019 would be): its ELBO is comparable between models trained the
/// same way, not with figures on binarised data.
/// </remarks>
public sealed class BernoulliLikelihood : ReconstructionLikelihood
{
    public BernoulliLikelihood() : base(nameof(BernoulliLikelihood))
    {
    }

    public override Likelihood Kind => Likelihood.Bernoulli;

    public override Tensor Mean(Tensor output) => output.sigmoid();

    protected override Tensor PixelNegativeLogLikelihood(Tensor output, Tensor pixels) =>
        nn.functional.binary_cross_entropy_with_logits(output, pixels, reduction: nn.Reduction.None);
}
