using Pipeline.Training.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// An encoder f followed by the first hidden layers of its pretraining's projection head g, whose output is the
/// representation: SimCLRv2 (Chen et al. 2020, §2.2) fine-tunes "from a middle layer of the projection head", which
/// beat fine-tuning from h with few labels there (not on Fashion-MNIST with 600 labels here: README, Results).
/// </summary>
/// <remarks>The specification is the encoder's, with the hidden layers' width as the embedding width.</remarks>
public sealed class ProjectedEncoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly Encoder encoder;
    private readonly Sequential projection;

    /// <param name="encoder">f.</param>
    /// <param name="head">g, whose first <paramref name="layers"/> hidden layers follow f (sharing g's modules).</param>
    /// <param name="layers">How many of g's hidden layers to keep, 1 to <see cref="ProjectionHead.HiddenLayerCount"/>.</param>
    public ProjectedEncoder(Encoder encoder, ProjectionHead head, int layers)
        : base(nameof(ProjectedEncoder),
            (encoder ?? throw new ArgumentNullException(nameof(encoder))).Spec with { EmbeddingDim = (head ?? throw new ArgumentNullException(nameof(head))).HiddenDim })
    {
        this.encoder = encoder;
        projection = head.HiddenLayers(layers);
        ProjectionLayers = layers;
        RegisterComponents();
    }

    /// <summary>How many of the projection head's layers follow the encoder.</summary>
    public int ProjectionLayers { get; }

    public override Tensor forward(Tensor pixels) => projection.forward(encoder.forward(pixels));
}
