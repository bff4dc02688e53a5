using Pipeline.Training.MixedPrecision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Heads;

/// <summary>
/// SimCLR's MLP projection head g (Chen et al. 2020, section 2.1): z = W2 · ReLU(BN(W1 · h)), with batch norm after
/// the hidden layer as in SimCLR v2 and lightly's <c>SimCLRProjectionHead</c>. Used only during pretraining: the
/// representation kept and exported is h, before g.
/// </summary>
/// <example>
/// <code>
/// using var head = new ProjectionHead(inputDim: 128, hiddenDim: 128, outputDim: 128);
/// Tensor z = head.forward(h); // [N, 128] → [N, 128]
/// </code>
/// </example>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict keys.
    private readonly Sequential layers;

    /// <param name="inputDim">Width of h, the encoder's embedding.</param>
    /// <param name="hiddenDim">Width of the hidden layer; the paper uses the embedding width.</param>
    /// <param name="outputDim">Width of z, where the loss is computed; the paper uses 128.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive.</exception>
    public ProjectionHead(int inputDim, int hiddenDim, int outputDim) : base(nameof(ProjectionHead))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputDim);
        HiddenDim = hiddenDim;
        layers = nn.Sequential(
            ("linear1", nn.Linear(inputDim, hiddenDim, hasBias: false)),
            ("bn1", nn.BatchNorm1d(hiddenDim)),
            ("relu1", nn.ReLU()),
            ("linear2", nn.Linear(hiddenDim, outputDim)));
        RegisterComponents();
    }

    /// <summary>Width of the hidden layers' outputs.</summary>
    public int HiddenDim { get; }

    /// <summary>Layers before the output layer, each Linear → BatchNorm1d → ReLU: one for this head.</summary>
    public int HiddenLayerCount => 1;

    /// <summary>
    /// The first <paramref name="count"/> hidden layers, sharing this head's modules: the part SimCLRv2 keeps when it
    /// fine-tunes "from a middle layer of the projection head".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not 1 to <see cref="HiddenLayerCount"/>.</exception>
    public Sequential HiddenLayers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, HiddenLayerCount);
        var children = layers.named_children().ToDictionary(child => child.name, child => child.module);
        return nn.Sequential(
            ("linear1", (nn.Module<Tensor, Tensor>)children["linear1"]),
            ("bn1", (nn.Module<Tensor, Tensor>)children["bn1"]),
            ("relu1", (nn.Module<Tensor, Tensor>)children["relu1"]));
    }

    public override Tensor forward(Tensor embedding)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(Autocast.End(Autocast.Run(layers, Autocast.Begin(embedding))));
    }
}
