using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Devices;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Distillation;

/// <summary>
/// A whole self-distillation run (SimCLRv2), what <c>pipeline-train distill</c> does and any program may do without a
/// shell: starts from the student's pretraining run, opens the teachers (their classes and SHA-256), loads the images at
/// the encoder's input size, resolves the settings (<see cref="DistillOptions.Resolve"/>), trains
/// (<see cref="StudentRun.TrainAndExport"/>) and exports the student as an <c>inference_model.onnx</c> with a fine-tune's
/// contract.
/// </summary>
/// <example>
/// <code>
/// StudentRunResult done = new DistillJob().Run(new DistillOptions
/// {
///     Teachers = ["runs/finetune-1pct/inference_model.onnx"],
///     Student = "runs/reference",
///     Labels = "1%",
///     Output = "runs/distilled",
/// });
/// </code>
/// </example>
public sealed class DistillJob
{
    /// <summary>Runs the distillation <paramref name="options"/> ask for, to its end.</summary>
    /// <param name="options">The teachers, the student, the data, the run folder and the settings.</param>
    /// <param name="observer">Told each stage as it is done (<see cref="PretrainJobObserver.Evaluated"/> never: nothing is evaluated).</param>
    /// <param name="cancellationToken">Stops after the current step, writing its checkpoint first.</param>
    /// <exception cref="InvalidSettingException">A setting is invalid or conflicts, the student's run does not fit, a
    /// teacher is given twice, or the labelled images cannot be drawn (<see cref="InvalidSettingException.Setting"/> names
    /// which); nothing was written.</exception>
    /// <exception cref="InvalidDataException">A teacher is not a classifier, or the teachers disagree on their classes.</exception>
    /// <exception cref="RunConflictException">The run folder does not fit the request; nothing was written.</exception>
    /// <exception cref="Onnx.Optimizers.TrainingDivergedException">The loss stopped being finite; the run folder is kept to resume.</exception>
    public StudentRunResult Run(DistillOptions options, PretrainJobObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (Device device, int threads) = TrainingDevice.Prepare(options.Device, options.Threads);
        (PretrainConfig student, string studentInit) = StudentRun.Start(options.Student, classifierRuns: false);
        (TeacherFile[] teachers, string[] classNames) = OpenTeachers(options.Teachers);

        ImageSet images = StudentRun.LoadImages(options.Data, student, observer, cancellationToken);
        PretrainConfig config = options.Resolve(student, studentInit, teachers, classNames, images);
        var run = new RunDirectory(options.Output);
        observer?.Planned?.Invoke(new PretrainPlan(images, config, device, threads, run));

        var distillation = (DistillationSettings)config.Method;
        string summary = RunJson.OneLine(new Dictionary<string, object>
        {
            ["method"] = PretextMethods.Distill,
            ["teachers"] = teachers.Select(file => new Dictionary<string, string> { ["path"] = file.Path, ["sha256"] = file.Sha256 }).ToArray(),
            ["studentInit"] = studentInit,
            ["data"] = options.Data,
            ["epochs"] = options.Epochs,
            ["temperature"] = distillation.Temperature,
            ["teacherInput"] = distillation.TeacherInput.ToString().ToLowerInvariant(),
            ["labelledImages"] = distillation.Labelled?.LabelledIds.Count ?? 0,
        }, RunJson.CamelCase);
        return StudentRun.TrainAndExport(config, images, run, options.Resume, device, summary, observer, cancellationToken);
    }

    // Every teacher by its full path and SHA-256, and the classes they agree on; the same model twice is refused.
    private static (TeacherFile[] Teachers, string[] ClassNames) OpenTeachers(IReadOnlyList<string> paths)
    {
        string[] fullPaths = [.. paths.Select(Path.GetFullPath)];
        string[] classNames;
        using (TeacherEnsemble models = TeacherEnsemble.Load(fullPaths))
        {
            classNames = [.. models.ClassNames];
        }
        TeacherFile[] teachers = [.. fullPaths.Select(path => new TeacherFile(path, FileDigest.Of(path).Sha256))];
        if (teachers.GroupBy(file => file.Sha256).FirstOrDefault(same => same.Count() > 1) is { } repeated)
        {
            throw InvalidSettingException.ForSetting("teacher", name => $"{string.Join(" and ", repeated.Select(file => file.Path))} are the same model: "
                + $"give each teacher once (an ensemble gains from fine-tunes that differ, such as the same labels with another {name("seed")}).");
        }
        return (teachers, classNames);
    }
}
