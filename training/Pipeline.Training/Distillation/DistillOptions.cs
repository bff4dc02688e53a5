using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Distillation;

/// <summary>
/// What a user may set for a self-distillation run (<see cref="DistillJob"/>), the settings of <c>pipeline-train
/// distill</c>, with every default decided here: <see cref="Resolve"/> turns them, the student's run, the teachers and the
/// training images into the run's full <see cref="PretrainConfig"/> with its <see cref="DistillationSettings"/>. The
/// student is a simclr or rotation pretraining run; <see cref="StudentRunOptions.Seed"/> also draws the labelled images.
/// A setting's name in errors is the CLI option's without its dashes (<c>labelled-weight</c>).
/// </summary>
public sealed record DistillOptions : StudentRunOptions
{
    /// <summary>The teachers: <c>inference_model.onnx</c> files of fine-tunes on the same labels, their probabilities averaged.</summary>
    public required IReadOnlyList<string> Teachers { get; init; }

    /// <summary>
    /// The labelled images whose true labels the student learns too, beside the teachers' targets (SimCLRv2's ground-truth
    /// term), in <see cref="LabelledSubset"/>'s forms: a fraction or count drawn class-balanced with the seed
    /// (<see cref="StudentRunOptions.Seed"/>, as a fine-tune draws it), or a file of ids of <see cref="StudentRunOptions.Data"/>.
    /// Null: the student learns from the teachers alone.
    /// </summary>
    public string? Labels { get; init; }

    /// <summary>The labelled term's weight against the distillation term (<see cref="LabelledTerm.DefaultWeight"/> when null); only with <see cref="Labels"/>.</summary>
    public double? LabelledWeight { get; init; }

    /// <summary>Labelled images per step, drawn with replacement (<see cref="LabelledTerm.DefaultBatchSize"/> when null); only with <see cref="Labels"/>.</summary>
    public int? LabelledBatchSize { get; init; }

    /// <summary>τ: teacher and student logits are divided by it before the softmax (SimCLRv2: 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The student's views: smallest random-resized-crop area, as a fraction of the image.</summary>
    public double MinCropScale { get; init; } = DistillationSettings.DefaultAugmentation.CropScale.Min;

    /// <summary>The student's views: probability of a horizontal flip.</summary>
    public double FlipProbability { get; init; } = DistillationSettings.DefaultAugmentation.HorizontalFlipProbability;

    /// <summary>What the teachers label: the student's augmented view (SimCLRv2) or the un-augmented image (Noisy Student).</summary>
    public TeacherInput TeacherInput { get; init; } = TeacherInput.View;

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range or conflicts, naming it
    /// (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public override void Validate()
    {
        base.Validate();
        PretrainOptions.Require(Teachers.Count > 0 && Teachers.All(path => !string.IsNullOrWhiteSpace(path)), "teacher",
            "must name one inference_model.onnx or more", $"'{string.Join(" ", Teachers)}'");
        PretrainOptions.Require(Temperature > 0 && double.IsFinite(Temperature), "temperature", "must be a positive number", Temperature);
        PretrainOptions.Require(MinCropScale is > 0 and <= 1, "min-crop-scale", "must be a number above 0 and at most 1", MinCropScale);
        PretrainOptions.Require(FlipProbability is >= 0 and <= 1, "flip-probability", "must be a number from 0 to 1", FlipProbability);
        PretrainOptions.RequireAmong("teacher-input", TeacherInput.ToString().ToLowerInvariant(),
            [.. Enum.GetNames<TeacherInput>().Select(name => name.ToLowerInvariant())]);
        if (Labels is null)
        {
            RequireOnlyWithLabels("labelled-weight", LabelledWeight);
            RequireOnlyWithLabels("labelled-batch-size", LabelledBatchSize);
            return;
        }
        StudentRun.AsLabelsSetting(() => LabelledSubset.Parse(Labels));
        PretrainOptions.Require(LabelledWeight is null or (> 0 and < double.PositiveInfinity), "labelled-weight", "must be a positive number", LabelledWeight);
        PretrainOptions.Require(LabelledBatchSize is null or >= 2, "labelled-batch-size", "must be at least 2 (batch norm needs two samples)", LabelledBatchSize);
    }

    /// <summary>
    /// The run's full config: the student's encoder (<paramref name="student"/>, starting from its checkpoint
    /// <paramref name="studentInit"/>), trained on <paramref name="images"/> with the student runs' optimizer and schedule
    /// (<see cref="StudentRun.Config"/>) to match <paramref name="teachers"/>, which classify into
    /// <paramref name="classNames"/>; with <see cref="Labels"/>, the labelled images drawn from <paramref name="images"/>.
    /// </summary>
    /// <exception cref="InvalidSettingException">The labelled images cannot be drawn: the data has no labels, or other
    /// classes than the teachers', or the labels name images it does not hold (<see cref="InvalidSettingException.Setting"/>
    /// names which).</exception>
    public PretrainConfig Resolve(PretrainConfig student, string studentInit, IReadOnlyList<TeacherFile> teachers, string[] classNames, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(classNames);
        var distillation = new DistillationSettings(teachers, studentInit, Temperature, classNames,
            DistillationSettings.DefaultAugmentation with { CropScale = (MinCropScale, 1.0), HorizontalFlipProbability = FlipProbability },
            TeacherInput, LabelledTerm(images, classNames));
        return StudentConfig(distillation, student, images);
    }

    // The ground-truth term, when labels are asked for: their images drawn from the data, whose classes must be the teachers'.
    private LabelledTerm? LabelledTerm(ImageSet images, string[] classNames)
    {
        if (Labels is null)
        {
            return null;
        }
        StudentRun.RequireLabelledData(images, Data, Labels, labelsOptional: true);
        if (!images.ClassNames.SequenceEqual(classNames))
        {
            throw InvalidSettingException.ForSetting("data", name => $"{Data} labels its images [{string.Join(", ", images.ClassNames)}], the teacher "
                + $"classifies into [{string.Join(", ", classNames)}]: {name("labels")} needs the same classes in the same order, or the labels would train the wrong outputs.");
        }
        int[] labelled = StudentRun.AsLabelsSetting(() => LabelledSubset.Parse(Labels).Select(images, Seed));
        return new LabelledTerm([.. labelled.Select(index => ImageIds.Of(images, index))], LabelledWeight ?? Distillation.LabelledTerm.DefaultWeight,
            LabelledBatchSize ?? Distillation.LabelledTerm.DefaultBatchSize);
    }

    private static void RequireOnlyWithLabels(string setting, object? value)
    {
        if (value is not null)
        {
            throw InvalidSettingException.ForSetting(setting, name =>
                $"shapes the labelled term, which only {name("labels")} adds: give {name("labels")} too, or leave {name(setting)} out.");
        }
    }
}
