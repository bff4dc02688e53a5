using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// An encoder f followed by the first hidden layers of its pretraining's projection head g, whose output is the
/// representation: SimCLRv2 (Chen et al. 2020, §2.2) fine-tunes "from a middle layer of the projection head", which
/// beats fine-tuning from h when labels are few.
/// </summary>
/// <remarks>The specification is the encoder's, with the embedding width of the last layer kept.</remarks>
public sealed class ProjectedEncoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly Encoder encoder;
    private readonly Sequential projection;

    /// <param name="encoder">f.</param>
    /// <param name="projection">Linear → BatchNorm1d → ReLU layers taking f's embedding.</param>
    /// <param name="width">The last layer's output width.</param>
    /// <param name="layers">How many of g's layers <paramref name="projection"/> holds.</param>
    public ProjectedEncoder(Encoder encoder, Sequential projection, int width, int layers)
        : base(nameof(ProjectedEncoder), (encoder ?? throw new ArgumentNullException(nameof(encoder))).Spec with { EmbeddingDim = width })
    {
        ArgumentNullException.ThrowIfNull(projection);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        this.encoder = encoder;
        this.projection = projection;
        ProjectionLayers = layers;
        RegisterComponents();
    }

    /// <summary>How many of the projection head's layers follow the encoder.</summary>
    public int ProjectionLayers { get; }

    public override Tensor forward(Tensor pixels) => projection.forward(encoder.forward(pixels));
}
