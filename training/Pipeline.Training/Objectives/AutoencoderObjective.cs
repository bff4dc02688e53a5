using Pipeline.Training.Augmentations;
using Pipeline.Training.Decoders;
using Pipeline.Training.Encoders;
using Pipeline.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The autoencoder (ae) and, given a corruption, the denoising autoencoder (dae, Vincent et al. 2008): the encoder's
/// deterministic latent code is decoded back to the image, and the loss is −log p(x | decoder output) per image,
/// averaged over the batch (binary cross-entropy or Gaussian NLL summed over pixels). A dae encodes the corrupted image
/// and is scored on the clean one.
/// </summary>
/// <remarks>
/// The encoder (the submodule "encoder", a <see cref="LatentEncoder"/>) outputs the bottleneck code, the embedding
/// evaluation and export see, as a VAE's outputs μ. The decoder and the likelihood are training-only submodules.
/// </remarks>
public sealed class AutoencoderObjective : PretextObjective, IReconstructingObjective
{
    // Field names are the state-dict keys.
    private readonly LatentEncoder encoder;
    private readonly ConvDecoder decoder;
    private readonly ReconstructionLikelihood likelihood;
    private readonly DenoisingCorruption? _corruption;

    /// <param name="encoder">Backbone and bottleneck, trained and kept.</param>
    /// <param name="likelihood">The observation model of the reconstruction.</param>
    /// <param name="corruption">The input corruption of a denoising autoencoder; null for a plain one.</param>
    public AutoencoderObjective(LatentEncoder encoder, Likelihood likelihood, DenoisingCorruption? corruption)
        : base(nameof(AutoencoderObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        this.encoder = encoder;
        decoder = ConvDecoder.For(encoder);
        this.likelihood = ReconstructionLikelihood.Create(likelihood);
        _corruption = corruption;
        RegisterComponents();
    }

    public override string Method => _corruption is null ? "ae" : "dae";

    public override Encoder Encoder => encoder;

    /// <summary>The decoder from the code to the image.</summary>
    public ConvDecoder Decoder => decoder;

    /// <summary>The observation model.</summary>
    public ReconstructionLikelihood Likelihood => likelihood;

    /// <summary>The input corruption (dae), or null (ae).</summary>
    public DenoisingCorruption? Corruption => _corruption;

    public Tensor Reconstruct(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(likelihood.Mean(decoder.forward(encoder.forward(pixels))));
    }

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        using var scope = NewDisposeScope();
        Tensor input = _corruption?.Apply(pixels, generator) ?? pixels;
        // [N, C, H, W] → code [N, L] → output [N, C, H, W], scored against the clean pixels.
        Tensor output = decoder.forward(encoder.forward(input));
        return PretextLoss.Of(scope.MoveToOuter(likelihood.NegativeLogLikelihood(output, pixels).mean()));
    }
}
