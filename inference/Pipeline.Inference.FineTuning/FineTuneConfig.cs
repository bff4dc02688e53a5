using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// Every setting of one fine-tune run, the recipe's and the defaults resolved (<see cref="FineTuneJobOptions.Resolve"/>):
/// what <c>finetune.json</c> records (<see cref="RunJson.CamelCase"/>) and a resumed run must repeat.
/// </summary>
public sealed record FineTuneConfig
{
    /// <summary>The encoder file, as given.</summary>
    public required string Model { get; init; }

    /// <summary>SHA-256 of the encoder file when the run started.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The dataset URI (<c>Pipeline.Data.DatasetUri</c>'s text).</summary>
    public required string Data { get; init; }

    /// <summary>The labels trained with, as given (1%, 600, or a file of image ids).</summary>
    public required string Labels { get; init; }

    /// <summary>The classification head.</summary>
    public required HeadSpec Head { get; init; }

    /// <summary>What of the encoder trains with the head.</summary>
    public required UnfreezeSpec Unfreeze { get; init; }

    /// <summary>The optimizer baked into the training graph.</summary>
    public required FineTuneOptimizer Optimizer { get; init; }

    /// <summary>Weight decay on weights (never on biases or normalisation parameters); AdamW's is decoupled.</summary>
    public required double WeightDecay { get; init; }

    /// <summary>SGD's momentum (recorded, and ignored, with AdamW).</summary>
    public required double Momentum { get; init; }

    /// <summary>Label smoothing ε in [0, 1).</summary>
    public required double LabelSmoothing { get; init; }

    /// <summary>How <see cref="FineTuner.Fit"/> trains.</summary>
    public required FineTuneOptions Training { get; init; }

    /// <summary>The update <see cref="Optimizer"/> names, with this run's hyper-parameters.</summary>
    public OptimizerStep OptimizerStep() => Optimizer switch
    {
        FineTuneOptimizer.Sgd => new SgdMomentumStep(Momentum, WeightDecay),
        _ => new AdamWStep(WeightDecay: WeightDecay),
    };

    /// <summary>What the artifacts of this run are generated with.</summary>
    /// <param name="classNames">The labelled data's class names, indexed by label.</param>
    /// <param name="standardization">The labelled images' embedding statistics, which the head standardises its input with.</param>
    public FineTuneArtifactOptions ArtifactOptions(IReadOnlyList<string> classNames, EmbeddingStandardization standardization) => new()
    {
        ClassNames = classNames,
        Standardization = standardization,
        Head = Head,
        Unfreeze = Unfreeze,
        Optimizer = OptimizerStep(),
        LabelSmoothing = LabelSmoothing,
        // Nothing to cache when the images are augmented at every step or when every layer trains.
        CacheFeatures = !Training.Augments && !Unfreeze.Everything,
        Seed = Training.Seed,
    };

    /// <summary>Throws unless <paramref name="recorded"/> (the settings of the run being resumed) are these, showing both.</summary>
    /// <exception cref="FineTuneRunConflictException">They differ (<see cref="FineTuneRunConflict.OtherSettings"/>).</exception>
    public void RequireSameAs(FineTuneConfig recorded, string folder)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        SettingsDifference difference = SettingsDifference.Between(recorded, this, RunJson.CamelCase);
        if (!difference.IsEmpty)
        {
            throw new FineTuneRunConflictException(folder, FineTuneRunConflict.OtherSettings, difference,
                $"The run in {folder} resumes with its own settings, and these differ: ask for the same ones or start a new run.\n{difference.Describe()}");
        }
    }
}
