using Pipeline.Data;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// What a user may set for a <see cref="FineTuneJob"/>: the encoder, the labelled data, the run folder, and settings
/// that, where left null, the recipe gives (<see cref="RecipeFor"/>). <see cref="Resolve"/> turns them into the run's
/// <see cref="FineTuneConfig"/>; every default is decided here or in the types it names.
/// </summary>
public sealed record FineTuneJobOptions
{
    /// <summary>The smallest share of an image's area a crop keeps when cropping is asked for without a scale.</summary>
    public const double DefaultMinCropScale = 0.5;

    private static readonly FineTuneOptions Defaults = new();

    /// <summary>The encoder.onnx to fine-tune.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// How ONNX Runtime runs the encoder and the artifacts, and the SHA-256 the encoder file must have (null accepts any).
    /// </summary>
    public EmbeddingModelOptions ModelOptions { get; init; } = new();

    /// <summary>The labelled images (a folder with one subfolder per class, or Fashion-MNIST).</summary>
    public required DatasetUri Data { get; init; }

    /// <summary>Which labels to train with: a seeded class-balanced share or count, or a file of image ids.</summary>
    public LabelledSubset Labels { get; init; } = new LabelledSubset.Drawn(LabelFraction.Parse("100%"));

    /// <summary>The run folder to write (<see cref="FineTuneRunFolder"/>).</summary>
    public required string Output { get; init; }

    /// <summary>Continue the run in <see cref="Output"/> from its last finished epoch, with the same settings.</summary>
    public bool Resume { get; init; }

    /// <summary>The recipe that gives every setting left null; null picks one by the number of labelled images (<see cref="FineTuneRecipe.For"/>).</summary>
    public FineTuneRecipe? Recipe { get; init; }

    /// <summary>The classification head.</summary>
    public HeadSpec Head { get; init; } = HeadSpec.Linear;

    /// <summary>What of the encoder trains with the head; null: the recipe's.</summary>
    public UnfreezeSpec? Unfreeze { get; init; }

    /// <summary>Epochs, at most; null: the recipe's.</summary>
    public int? Epochs { get; init; }

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>The peak learning rate; null: the recipe's.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Epochs of linear warm-up (capped at a tenth of the run).</summary>
    public double WarmupEpochs { get; init; } = Defaults.WarmupEpochs;

    /// <summary>The optimizer.</summary>
    public FineTuneOptimizer Optimizer { get; init; } = FineTuneOptimizer.AdamW;

    /// <summary>Weight decay on weights (never on biases or normalisation parameters); AdamW's is decoupled.</summary>
    public double WeightDecay { get; init; } = OptimizerStep.DefaultWeightDecay;

    /// <summary>SGD's momentum.</summary>
    public double Momentum { get; init; } = SgdMomentumStep.DefaultMomentum;

    /// <summary>Label smoothing ε in [0, 1); null: the recipe's.</summary>
    public double? LabelSmoothing { get; init; }

    /// <summary>The share of the labels held out for early stopping and choosing the best epoch; null: the recipe's.</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>Epochs without a lower validation loss before training stops; 0 never stops early.</summary>
    public int Patience { get; init; } = Defaults.Patience;

    /// <summary>Whether batches are class-balanced.</summary>
    public ClassBalance ClassBalance { get; init; } = Defaults.ClassBalance;

    /// <summary>How training images are changed at every step; null: the recipe's.</summary>
    public FineTuneAugmentation? Augmentation { get; init; }

    /// <summary>With <see cref="FineTuneAugmentation.Crop"/>: the smallest share of an image's area a crop keeps, in (0, 1].</summary>
    public double MinCropScale { get; init; } = DefaultMinCropScale;

    /// <summary>Seeds the labels drawn, the head's weights, the split and the batches.</summary>
    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>The recipe of a run on <paramref name="labelledImages"/> labelled images: <see cref="Recipe"/>, or the one <see cref="FineTuneRecipe.For"/> picks.</summary>
    public FineTuneRecipe RecipeFor(int labelledImages) => Recipe ?? FineTuneRecipe.For(labelledImages);

    /// <summary>Every setting of the run, each taken from these options where given and from <paramref name="recipe"/> where not.</summary>
    /// <param name="recipe">The recipe (<see cref="RecipeFor"/>).</param>
    /// <param name="modelSha256">The SHA-256 of <see cref="Model"/>, recorded so the run knows its encoder.</param>
    public FineTuneConfig Resolve(FineTuneRecipe recipe, string modelSha256)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentException.ThrowIfNullOrEmpty(modelSha256);
        bool crop = Augmentation is { } asked ? asked.HasFlag(FineTuneAugmentation.Crop) : recipe.Crop;
        return new FineTuneConfig
        {
            Model = Model,
            ModelSha256 = modelSha256,
            Data = Data.ToString(),
            Labels = Labels.ToString(),
            Head = Head,
            Unfreeze = Unfreeze ?? recipe.Unfreeze,
            Optimizer = Optimizer,
            WeightDecay = WeightDecay,
            Momentum = Momentum,
            LabelSmoothing = LabelSmoothing ?? recipe.LabelSmoothing,
            Training = new FineTuneOptions
            {
                Epochs = Epochs ?? recipe.Epochs,
                BatchSize = BatchSize,
                LearningRate = LearningRate ?? recipe.LearningRate,
                WarmupEpochs = WarmupEpochs,
                ValidationFraction = ValidationFraction ?? recipe.ValidationFraction,
                Patience = Patience,
                ClassBalance = ClassBalance,
                HorizontalFlip = Augmentation is { } augmentation ? augmentation.HasFlag(FineTuneAugmentation.HorizontalFlip) : recipe.HorizontalFlip,
                MinCropScale = crop ? MinCropScale : 1,
                Seed = Seed,
            },
        };
    }
}
