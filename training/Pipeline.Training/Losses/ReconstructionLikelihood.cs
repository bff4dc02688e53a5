using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Losses;

/// <summary>
/// The reconstruction term of the autoencoders: −log p(x | decoder output) in nats, summed over the pixels of each
/// image, with pixels independent given the decoder's output. A module, because the Gaussian learns its variance.
/// </summary>
public abstract class ReconstructionLikelihood : nn.Module
{
    protected ReconstructionLikelihood(string name) : base(name)
    {
    }

    /// <summary>Which observation model this is.</summary>
    public abstract Likelihood Kind { get; }

    /// <summary>
    /// −log p(x | output) of each image, [N], from the decoder's <paramref name="output"/> and the target pixels
    /// <paramref name="pixels"/>, both [N, C, H, W] (pixels in [0, 1]).
    /// </summary>
    public Tensor NegativeLogLikelihood(Tensor output, Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(pixels);
        if (!output.shape.SequenceEqual(pixels.shape) || output.dim() != 4)
        {
            throw new ArgumentException(
                $"The decoder's output and the target must both be [N, C, H, W], not [{string.Join(", ", output.shape)}] and [{string.Join(", ", pixels.shape)}].");
        }
        using var scope = NewDisposeScope();
        // [N, C, H, W] per pixel → [N] per image.
        return scope.MoveToOuter(PixelNegativeLogLikelihood(output, pixels).flatten(1).sum(1));
    }

    /// <summary>The expected image E[x | output], [N, C, H, W] in [0, 1] — what a reconstruction or a sample shows.</summary>
    public abstract Tensor Mean(Tensor output);

    /// <summary>−log p(x | output) of every pixel, [N, C, H, W].</summary>
    protected abstract Tensor PixelNegativeLogLikelihood(Tensor output, Tensor pixels);

    /// <summary>A fresh likelihood of the given kind.</summary>
    public static ReconstructionLikelihood Create(Likelihood kind) => kind switch
    {
        Likelihood.Bernoulli => new BernoulliLikelihood(),
        Likelihood.Gaussian => new GaussianLikelihood(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown likelihood: use bernoulli or gaussian."),
    };
}
