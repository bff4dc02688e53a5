using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Inference.FineTuning;

/// <summary>How <see cref="FineTuner.Fit"/> trains: epochs, batches, learning-rate schedule, sampling, validation and early stopping.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Passes over the training examples, at most.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Examples per step; the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// The peak learning rate, reached after the warm-up; cosine decay to 0 follows. The default suits AdamW on a
    /// standardised embedding and on a last convolutional block alike (Fashion-MNIST, 600 labels: 3e-3 within a point
    /// of the best of 1e-3 … 1e-2 for both).
    /// </summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Epochs of linear warm-up (capped at a tenth of the run); 0 starts at the peak.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>The share of the labelled examples held out for validation, stratified; 0 trains on all and never stops early.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epochs without a lower validation loss before training stops; 0 never stops early.</summary>
    public int Patience { get; init; } = 20;

    public ClassBalance ClassBalance { get; init; } = ClassBalance.Auto;

    /// <summary>
    /// Flip each training image left-right with probability ½. Needs artifacts that take pixels (features computed
    /// from flipped images cannot be cached).
    /// </summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>
    /// Random resized crop: each training image is cut to a box covering a random share of its area in [this, 1]
    /// (aspect ratio 3/4–4/3) and resized back; 1 never crops. Needs artifacts that take pixels.
    /// </summary>
    public double MinCropScale { get; init; } = 1;

    /// <summary>Whether training images are cropped or flipped, so no frozen feature can be cached.</summary>
    [JsonIgnore]
    public bool Augments => HorizontalFlip || MinCropScale < 1;

    /// <summary>Examples per evaluation run.</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>Seeds the validation split, the epoch orders, the crops and the flips.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a field is out of range, naming it and its value.</summary>
    public void Validate()
    {
        if (Epochs < 1 || BatchSize < 1 || EvaluationBatchSize < 1)
        {
            throw new InvalidSettingException($"Epochs, batch size and evaluation batch size must be positive, not {Epochs}, {BatchSize} and {EvaluationBatchSize}.");
        }
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new InvalidSettingException($"The learning rate must be positive and finite, not {LearningRate}.");
        }
        if (!(WarmupEpochs >= 0) || double.IsInfinity(WarmupEpochs))
        {
            throw new InvalidSettingException($"Warm-up epochs must be zero or positive, not {WarmupEpochs}.");
        }
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            throw new InvalidSettingException($"The validation share must be in [0, 1), not {ValidationFraction}.");
        }
        if (!(MinCropScale > 0 && MinCropScale <= 1))
        {
            throw new InvalidSettingException($"The smallest crop share must be in (0, 1], not {MinCropScale}.");
        }
        if (Patience < 0)
        {
            throw new InvalidSettingException($"Patience must be zero (never stop early) or positive, not {Patience}.");
        }
    }
}
