using Pipeline.Onnx.Optimizers;

namespace Pipeline.Onnx.FineTuning;

/// <summary>What a fine-tune trains and how: the head, how much of the encoder unfreezes, the loss and the optimizer.</summary>
public sealed record FineTuneArtifactOptions
{
    /// <summary>The class names, indexed by label; at least two.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public HeadSpec Head { get; init; } = HeadSpec.Linear;

    public UnfreezeSpec Unfreeze { get; init; } = UnfreezeSpec.None;

    /// <summary>The update baked into the training graph; AdamW with its defaults unless told otherwise.</summary>
    public OptimizerStep Optimizer { get; init; } = new AdamWStep();

    /// <summary>ε of the softmax cross-entropy, in [0, 1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>
    /// Whether the training and evaluation graphs start from the frozen prefix's output (so a runner computes it once
    /// per image and caches it) or from the pixels (so a runner may augment them at every step).
    /// </summary>
    public bool CacheFeatures { get; init; } = true;

    /// <summary>The standardisation the head applies to the embedding first; null applies none.</summary>
    public EmbeddingStandardization? Standardization { get; init; }

    /// <summary>Seeds the head's initial weights.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a field is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ClassNames);
        ArgumentNullException.ThrowIfNull(Head);
        ArgumentNullException.ThrowIfNull(Unfreeze);
        ArgumentNullException.ThrowIfNull(Optimizer);
        if (ClassNames.Count < 2)
        {
            throw new ArgumentException($"A classifier needs at least 2 classes, not {ClassNames.Count}.");
        }
        if (ClassNames.Any(string.IsNullOrWhiteSpace) || ClassNames.Distinct(StringComparer.Ordinal).Count() != ClassNames.Count)
        {
            throw new ArgumentException($"Class names must be distinct and not blank: [{string.Join(", ", ClassNames)}].");
        }
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, $"Label smoothing must be in [0, 1), not {LabelSmoothing}.");
        }
        Optimizer.Validate();
    }
}
