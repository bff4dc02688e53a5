using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Devices;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.SemiSupervised;

/// <summary>
/// What a user may set for a FixMatch run (<see cref="FixMatchJob"/>), the settings of <c>pipeline-train fixmatch</c>, with
/// every default decided here: <see cref="Resolve"/> turns them, the student's run and the training images into the run's
/// full <see cref="PretrainConfig"/> with its <see cref="FixMatchSettings"/>. A setting's name in errors is the CLI
/// option's without its dashes (<c>labelled-batch-size</c>).
/// </summary>
public sealed record FixMatchOptions
{
    /// <summary>The run folder the model starts from (its newest checkpoint): a simclr or rotation run, or a distill or fixmatch run.</summary>
    public required string Student { get; init; }

    /// <summary>A file of ids of <see cref="Data"/>'s images (<see cref="ImageIdFile"/>): the labelled ones; their labels come from the data.</summary>
    public required string Labels { get; init; }

    /// <summary>The training images, the labelled ones among them, a dataset URI with labels.</summary>
    public string Data { get; init; } = "fashion-mnist:train";

    /// <summary>The run folder to write.</summary>
    public required string Output { get; init; }

    /// <summary>Continue the run in <see cref="Output"/> from its newest checkpoint, with the same settings (the learning rate may be lowered).</summary>
    public bool Resume { get; init; }

    /// <summary>Passes over the images.</summary>
    public int Epochs { get; init; } = StudentRun.DefaultEpochs;

    /// <summary>Training images per step, each seen as a weak and a strong view; at least 2.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Labelled images per step, drawn with replacement; at least 2.</summary>
    public int LabelledBatchSize { get; init; } = FixMatchSettings.DefaultLabelledBatchSize;

    /// <summary>Adam's peak learning rate after the warm-up; cosine decay to 0.</summary>
    public double LearningRate { get; init; } = StudentRun.DefaultLearningRate;

    /// <summary>Weight decay on weights, never on biases or batch norm.</summary>
    public double WeightDecay { get; init; } = StudentRun.DefaultWeightDecay;

    /// <summary>τ: a prediction on a weak view labels the strong view when its probability is at least this.</summary>
    public double Confidence { get; init; } = FixMatchSettings.DefaultConfidence;

    /// <summary>λ_u: the weight of the pseudo-labelled term against the labelled one.</summary>
    public double UnlabelledWeight { get; init; } = FixMatchSettings.DefaultUnlabelledWeight;

    /// <summary>The strong views' smallest random-resized-crop area, as a fraction of the image.</summary>
    public double MinCropScale { get; init; } = FixMatchSettings.DefaultStrongAugmentation.CropScale.Min;

    /// <summary>The strong views' probability of erasing a rectangle (Cutout).</summary>
    public double ErasingProbability { get; init; } = FixMatchSettings.DefaultStrongAugmentation.ErasingProbability;

    /// <summary>Seeds the data order and every augmentation draw.</summary>
    public int Seed { get; init; }

    /// <summary>Where to compute, a name of <see cref="TrainingDevice.Names"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>CPU threads for TorchSharp; null for every core.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range, naming it
    /// (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public void Validate()
    {
        PretrainOptions.RequireDatasetUri("data", Data);
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Student), "student", "must name a run folder", $"'{Student}'");
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Labels), "labels", "must name a file of image ids", $"'{Labels}'");
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Output), "out", "must name a run folder", $"'{Output}'");
        PretrainOptions.RequireAmong("device", Device, TrainingDevice.Names);
        PretrainOptions.Require(Epochs >= 1, "epochs", "must be a positive whole number", Epochs);
        PretrainOptions.Require(BatchSize >= 2, "batch-size", "must be at least 2 (batch norm needs two samples)", BatchSize);
        PretrainOptions.Require(LabelledBatchSize >= 2, "labelled-batch-size", "must be at least 2 (batch norm needs two samples)", LabelledBatchSize);
        PretrainOptions.Require(LearningRate > 0 && double.IsFinite(LearningRate), "lr", "must be a positive number", LearningRate);
        PretrainOptions.Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weight-decay", "must be 0 or a positive number", WeightDecay);
        PretrainOptions.Require(Confidence is > 0 and <= 1, "confidence", "must be a number above 0 and at most 1", Confidence);
        PretrainOptions.Require(UnlabelledWeight >= 0 && double.IsFinite(UnlabelledWeight), "unlabelled-weight", "must be 0 or a positive number", UnlabelledWeight);
        PretrainOptions.Require(MinCropScale is > 0 and <= 1, "min-crop-scale", "must be a number above 0 and at most 1", MinCropScale);
        PretrainOptions.Require(ErasingProbability is >= 0 and <= 1, "erasing-probability", "must be a number from 0 to 1", ErasingProbability);
        PretrainOptions.Require(Seed >= 0, "seed", "must be 0 or a positive whole number", Seed);
        PretrainOptions.Require(Threads is null or >= 1, "threads", "must be a positive whole number", Threads);
    }

    /// <summary>
    /// The run's full config: the student's encoder (<paramref name="student"/>, starting from its checkpoint
    /// <paramref name="studentInit"/>), trained on <paramref name="images"/> with the student runs' optimizer and schedule
    /// (<see cref="StudentRun.Config"/>) and these settings, the images <paramref name="labelledIds"/> names labelled.
    /// </summary>
    public PretrainConfig Resolve(PretrainConfig student, string studentInit, IReadOnlyList<string> labelledIds, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return StudentRun.Config(PretextMethods.FixMatch, Data, student, images.Count, Epochs, BatchSize, Seed, LearningRate, WeightDecay) with
        {
            FixMatch = new FixMatchSettings(studentInit, labelledIds, [.. images.ClassNames], Confidence, UnlabelledWeight, LabelledBatchSize,
                FixMatchSettings.DefaultWeakAugmentation,
                FixMatchSettings.DefaultStrongAugmentation with { CropScale = (MinCropScale, 1.0), ErasingProbability = ErasingProbability }),
        };
    }
}
