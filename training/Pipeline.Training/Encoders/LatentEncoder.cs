using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// A backbone encoder followed by a linear map of its pooled features to a latent code: the encoder of the
/// autoencoders, whose embedding is the bottleneck code (ae, dae) or the posterior mean μ (vae).
/// </summary>
/// <remarks>
/// Its <see cref="Encoder.Spec"/> is the backbone's with the embedding width set to the latent width, so evaluation and
/// export, which only see an <see cref="Encoder"/>, get the code without knowing about autoencoders. A VAE's log σ²
/// head and every decoder live in the objective, outside this module, so export leaves them out.
/// </remarks>
public sealed class LatentEncoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly Encoder backbone;
    private readonly Linear latent;

    /// <param name="backbone">The convolutional encoder whose pooled features h [N, D] the code is computed from.</param>
    /// <param name="latentDim">Width L of the code.</param>
    /// <exception cref="ArgumentOutOfRangeException">L is not positive.</exception>
    public LatentEncoder(Encoder backbone, int latentDim)
        : base(nameof(LatentEncoder), RequireBackbone(backbone).Spec with { EmbeddingDim = latentDim })
    {
        if (latentDim < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, $"The latent width must be at least 1, not {latentDim}.");
        }
        this.backbone = backbone;
        latent = nn.Linear(backbone.EmbeddingDim, latentDim);
        RegisterComponents();
    }

    /// <summary>The convolutional encoder before the latent map.</summary>
    public Encoder Backbone => backbone;

    /// <summary>Width D of the backbone's features h.</summary>
    public int FeatureDim => backbone.EmbeddingDim;

    /// <summary>The backbone's pooled features h [N, D] of pixels [N, C, H, W] in [0, 1].</summary>
    public Tensor Features(Tensor pixels) => backbone.forward(pixels);

    /// <summary>The latent code [N, L] of features h [N, D].</summary>
    public Tensor Code(Tensor features) => latent.forward(features);

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        // [N, C, H, W] → h [N, D] → code [N, L]
        return scope.MoveToOuter(Code(Features(pixels)));
    }

    private static Encoder RequireBackbone(Encoder backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return backbone;
    }
}
