using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Devices;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Export;
using Pipeline.Training.Reports;
using static TorchSharp.torch;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// A whole pretraining run, what <c>pipeline-train pretrain</c> and the nightly job do and any program may do without a
/// shell: loads the images, resolves the settings (<see cref="PretrainOptions.Resolve"/>), trains with
/// <see cref="Pretrainer"/> into the run folder, scores the evaluation asked for (<see cref="RunEvaluation"/>), exports
/// the encoder with the parity proof (<see cref="RunExport"/>) and draws the report (<see cref="RunReport"/>).
/// </summary>
/// <remarks>
/// Cancelled while training, the run keeps the checkpoint of its last finished step, and the same options with
/// <see cref="PretrainJobOptions.Resume"/> continue it; a resumed run that had finished trains nothing and goes on
/// with the evaluation, the export and the report.
/// </remarks>
/// <example>
/// <code>
/// PretrainJobResult done = new PretrainJob().Run(new PretrainJobOptions
/// {
///     Pretrain = new SimClrPretrainOptions { Encoder = "convnet6", MinCropScale = 0.2, Temperature = 0.2 },
///     Output = "runs/reference",
///     Resume = true,
/// });
/// </code>
/// </example>
public sealed class PretrainJob
{
    /// <summary>Runs the job <paramref name="options"/> ask for, to its end.</summary>
    /// <param name="options">The pretraining options, the run folder and the evaluation.</param>
    /// <param name="observer">Told each stage as it is done.</param>
    /// <param name="cancellationToken">Stops after the current step, writing its checkpoint first.</param>
    /// <exception cref="InvalidSettingException">A setting is invalid (<see cref="PretrainOptions.Validate"/>), or
    /// the device asked for cannot run; nothing was written.</exception>
    /// <exception cref="RunConflictException">The run folder does not fit the request (<see cref="Pretrainer.Run"/>); nothing was written.</exception>
    /// <exception cref="TrainingDivergedException">The loss stopped being finite; the run folder is kept to resume.</exception>
    /// <exception cref="ParityException">ONNX Runtime does not match TorchSharp on the exported encoder.</exception>
    public PretrainJobResult Run(PretrainJobOptions options, PretrainJobObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        PretrainOptions pretrain = options.Pretrain;
        ArgumentNullException.ThrowIfNull(pretrain, nameof(options));
        pretrain.Validate();
        (Device device, int threads) = TrainingDevice.Prepare(pretrain.Device, pretrain.Threads);
        observer?.Loading?.Invoke(pretrain.Data);
        ImageSet images = pretrain.LoadImages(cancellationToken);
        PretrainConfig config = pretrain.Resolve(images);
        var run = new RunDirectory(options.Output);
        observer?.Planned?.Invoke(new PretrainPlan(images, config, device, threads, run));

        PretrainResult training = new Pretrainer(device).Run(config, images, run, options.Resume, observer?.Step, cancellationToken);
        observer?.Trained?.Invoke(training);
        IReadOnlyList<EvaluationResult> evaluations = [];
        if (options.Evaluation is { } evaluation)
        {
            evaluations = RunEvaluation.Evaluate(run, training.Checkpoint, evaluation.TrainData ?? config.Data,
                evaluation.TestData ?? RunEvaluation.DefaultTestData(config.Data), evaluation.Evaluations, evaluation.Seed, device,
                evaluation.Classifiers, cancellationToken: cancellationToken);
            observer?.Evaluated?.Invoke(evaluations);
        }
        ExportResult export = RunExport.Export(run, training.Checkpoint, RunExport.DefaultPath(run), cancellationToken);
        observer?.Exported?.Invoke(export);
        IReadOnlyList<string> report = RunReport.Write(run, training.Checkpoint, null, RunReport.DefaultDirectory(run), device, cancellationToken);
        return new PretrainJobResult(training, evaluations, export, report);
    }
}
