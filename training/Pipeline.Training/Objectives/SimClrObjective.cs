using Pipeline.Training.Augmentations;
using Pipeline.Training.Encoders;
using Pipeline.Training.Heads;
using Pipeline.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// SimCLR (Chen et al. 2020): two augmented views of each image go through the encoder f and the projection head g,
/// and NT-Xent pulls the two views of an image together against every other view in the batch.
/// </summary>
public sealed class SimClrObjective : PretextObjective
{
    // Field names are the state-dict keys.
    private readonly Encoder encoder;
    private readonly ProjectionHead projection_head;
    private readonly SimClrAugmentation _augmentation;
    private readonly NtXentLoss _loss;

    /// <param name="encoder">f, trained and kept.</param>
    /// <param name="projectionDim">Width of z; the paper's 128.</param>
    /// <param name="temperature">NT-Xent's τ.</param>
    /// <param name="augmentation">The per-sample view distribution.</param>
    public SimClrObjective(Encoder encoder, int projectionDim, double temperature, SimClrAugmentationOptions augmentation)
        : base(nameof(SimClrObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(augmentation);
        this.encoder = encoder;
        projection_head = new ProjectionHead(encoder.EmbeddingDim, encoder.EmbeddingDim, projectionDim);
        _augmentation = new SimClrAugmentation(augmentation, encoder.Spec.InputChannels, encoder.Spec.InputHeight, encoder.Spec.InputWidth);
        _loss = new NtXentLoss(temperature);
        RegisterComponents();
    }

    public override string Method => "simclr";

    public override Encoder Encoder => encoder;

    /// <summary>g, the projection head the loss is computed after.</summary>
    public ProjectionHead ProjectionHead => projection_head;

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        using var scope = NewDisposeScope();
        long n = pixels.shape[0];
        // Both views in one pass: [2n, C, H, W] → h [2n, D] → z [2n, P]; batch norm sees both views together.
        Tensor views = cat([_augmentation.Apply(pixels, generator), _augmentation.Apply(pixels, generator)], 0);
        Tensor z = projection_head.forward(encoder.forward(views));
        return PretextLoss.Of(scope.MoveToOuter(_loss.Compute(z.narrow(0, 0, n), z.narrow(0, n, n))));
    }
}
