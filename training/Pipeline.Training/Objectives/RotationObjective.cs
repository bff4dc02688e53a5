using Pipeline.Training.Augmentations;
using Pipeline.Training.Encoders;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// Rotation prediction (Gidaris et al. 2018, "Unsupervised Representation Learning by Predicting Image Rotations"):
/// each image is turned by a random multiple of 90° and a linear classifier on the encoder's embedding h predicts which,
/// with cross-entropy. The classifier is training-only; the pretext accuracy is logged beside the loss.
/// </summary>
public sealed class RotationObjective : PretextObjective
{
    /// <summary>The name of the pretext accuracy in the step metrics.</summary>
    public const string AccuracyTerm = "accuracy";

    // Field names are the state-dict keys.
    private readonly Encoder encoder;
    private readonly Linear classifier;

    /// <param name="encoder">f, trained and kept; its input must be square.</param>
    /// <exception cref="ArgumentException">The encoder takes non-square images.</exception>
    public RotationObjective(Encoder encoder) : base(nameof(RotationObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        RightAngleRotation.RequireSquare(encoder.Spec.InputHeight, encoder.Spec.InputWidth);
        this.encoder = encoder;
        classifier = nn.Linear(encoder.EmbeddingDim, RightAngleRotation.Classes);
        RegisterComponents();
    }

    public override string Method => "rotation";

    public override Encoder Encoder => encoder;

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        using var scope = NewDisposeScope();
        (Tensor rotated, Tensor labels) = RightAngleRotation.Draw(pixels, generator);
        // [N, C, S, S] → h [N, D] → logits [N, 4]
        Tensor logits = classifier.forward(encoder.forward(rotated));
        Tensor loss = nn.functional.cross_entropy(logits, labels);
        Tensor accuracy = logits.detach().argmax(1).eq(labels).to(ScalarType.Float32).mean();
        (loss, accuracy) = scope.MoveToOuter(loss, accuracy);
        return new PretextLoss(loss, new Dictionary<string, Tensor> { [AccuracyTerm] = accuracy });
    }
}
