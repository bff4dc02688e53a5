using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Devices;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.SemiSupervised;

/// <summary>
/// A whole FixMatch run, what <c>pipeline-train fixmatch</c> does and any program may do without a shell: starts from the
/// student's run, reads the labelled ids, loads the training images at the encoder's input size, resolves the settings
/// (<see cref="FixMatchOptions.Resolve"/>), trains (<see cref="StudentRun.TrainAndExport"/>) and exports the classifier
/// as an <c>inference_model.onnx</c> with a fine-tune's contract.
/// </summary>
public sealed class FixMatchJob
{
    /// <summary>Runs the FixMatch run <paramref name="options"/> ask for, to its end.</summary>
    /// <param name="options">The student, the labelled ids, the data, the run folder and the settings.</param>
    /// <param name="observer">Told each stage as it is done (<see cref="PretrainJobObserver.Evaluated"/> never: nothing is evaluated).</param>
    /// <param name="cancellationToken">Stops after the current step, writing its checkpoint first.</param>
    /// <exception cref="InvalidSettingException">A setting is invalid, the student's run does not fit, or the labelled
    /// ids are not images of the data (<see cref="InvalidSettingException.Setting"/> names which); nothing was written.</exception>
    /// <exception cref="RunConflictException">The run folder does not fit the request; nothing was written.</exception>
    /// <exception cref="Onnx.Optimizers.TrainingDivergedException">The loss stopped being finite; the run folder is kept to resume.</exception>
    public StudentRunResult Run(FixMatchOptions options, PretrainJobObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (Device device, int threads) = TrainingDevice.Prepare(options.Device, options.Threads);
        (PretrainConfig student, string studentInit) = StudentRun.Start(options.Student, classifierRuns: true);
        string labelsPath = Path.GetFullPath(options.Labels);
        IReadOnlyList<string> labelledIds = StudentRun.AsLabelsSetting(() => ImageIdFile.Read(labelsPath));

        ImageSet images = StudentRun.LoadImages(options.Data, student, observer, cancellationToken);
        StudentRun.RequireLabelledData(images, options.Data, options.Labels, labelsOptional: false);
        StudentRun.AsLabelsSetting(() => ImageIds.Resolve(images, labelledIds, labelsPath));
        PretrainConfig config = options.Resolve(student, studentInit, labelledIds, images);
        var run = new RunDirectory(options.Output);
        observer?.Planned?.Invoke(new PretrainPlan(images, config, device, threads, run));

        string summary = RunJson.OneLine(new Dictionary<string, object>
        {
            ["method"] = PretextMethods.FixMatch,
            ["studentInit"] = studentInit,
            ["labels"] = labelsPath,
            ["labelledImages"] = labelledIds.Count,
            ["data"] = options.Data,
            ["epochs"] = options.Epochs,
            ["confidence"] = options.Confidence,
        }, RunJson.CamelCase);
        return StudentRun.TrainAndExport(config, images, run, options.Resume, device, summary, observer, cancellationToken);
    }
}
