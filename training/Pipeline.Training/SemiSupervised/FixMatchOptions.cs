using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.SemiSupervised;

/// <summary>
/// What a user may set for a FixMatch run (<see cref="FixMatchJob"/>), the settings of <c>pipeline-train fixmatch</c>, with
/// every default decided here: <see cref="Resolve"/> turns them, the student's run and the training images into the run's
/// full <see cref="PretrainConfig"/> with its <see cref="FixMatchSettings"/>. The student may be a simclr or rotation run,
/// or a distill or fixmatch run (encoder and head). A setting's name in errors is the CLI option's without its dashes
/// (<c>labelled-batch-size</c>).
/// </summary>
public sealed record FixMatchOptions : StudentRunOptions
{
    /// <summary>A file of ids of <see cref="Data"/>'s images (<see cref="ImageIdFile"/>): the labelled ones; their labels come from the data.</summary>
    public required string Labels { get; init; }

    /// <summary>Labelled images per step, drawn with replacement; at least 2.</summary>
    public int LabelledBatchSize { get; init; } = FixMatchSettings.DefaultLabelledBatchSize;

    /// <summary>τ: a prediction on a weak view labels the strong view when its probability is at least this.</summary>
    public double Confidence { get; init; } = FixMatchSettings.DefaultConfidence;

    /// <summary>λ_u: the weight of the pseudo-labelled term against the labelled one.</summary>
    public double UnlabelledWeight { get; init; } = FixMatchSettings.DefaultUnlabelledWeight;

    /// <summary>The strong views' smallest random-resized-crop area, as a fraction of the image.</summary>
    public double MinCropScale { get; init; } = FixMatchSettings.DefaultStrongAugmentation.CropScale.Min;

    /// <summary>The strong views' probability of erasing a rectangle (Cutout).</summary>
    public double ErasingProbability { get; init; } = FixMatchSettings.DefaultStrongAugmentation.ErasingProbability;

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range, naming it
    /// (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public override void Validate()
    {
        base.Validate();
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Labels), "labels", "must name a file of image ids", $"'{Labels}'");
        PretrainOptions.Require(LabelledBatchSize >= 2, "labelled-batch-size", "must be at least 2 (batch norm needs two samples)", LabelledBatchSize);
        PretrainOptions.Require(Confidence is > 0 and <= 1, "confidence", "must be a number above 0 and at most 1", Confidence);
        PretrainOptions.Require(UnlabelledWeight >= 0 && double.IsFinite(UnlabelledWeight), "unlabelled-weight", "must be 0 or a positive number", UnlabelledWeight);
        PretrainOptions.Require(MinCropScale is > 0 and <= 1, "min-crop-scale", "must be a number above 0 and at most 1", MinCropScale);
        PretrainOptions.Require(ErasingProbability is >= 0 and <= 1, "erasing-probability", "must be a number from 0 to 1", ErasingProbability);
    }

    /// <summary>
    /// The run's full config: the student's encoder (<paramref name="student"/>, starting from its checkpoint
    /// <paramref name="studentInit"/>), trained on <paramref name="images"/> with the student runs' optimizer and schedule
    /// (<see cref="StudentRun.Config"/>) and these settings, the images <paramref name="labelledIds"/> names labelled.
    /// </summary>
    public PretrainConfig Resolve(PretrainConfig student, string studentInit, IReadOnlyList<string> labelledIds, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var fixMatch = new FixMatchSettings(studentInit, labelledIds, [.. images.ClassNames], Confidence, UnlabelledWeight, LabelledBatchSize,
            FixMatchSettings.DefaultWeakAugmentation,
            FixMatchSettings.DefaultStrongAugmentation with { CropScale = (MinCropScale, 1.0), ErasingProbability = ErasingProbability });
        return StudentConfig(fixMatch, student, images);
    }
}
