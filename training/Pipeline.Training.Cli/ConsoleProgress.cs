using Pipeline.Cli;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// A training job on the console: the progress bar on stderr (a <see cref="ProgressLine"/>: step, epoch, loss and its
/// logged terms, learning rate, speed, ETA), and a line for each stage the job finishes (<see cref="Observer"/>).
/// </summary>
public sealed class ConsoleProgress
{
    private readonly ProgressLine _line = new();

    /// <summary>
    /// What a training job says on the console: the data it loads and <paramref name="plan"/>'s line (when given) on stderr, the
    /// progress bar, then on stdout what training reached (<paramref name="trained"/>: "pretrained: 80 steps, …"), the
    /// evaluation's results, and the export.
    /// </summary>
    public static PretrainJobObserver Observer(Func<PretrainPlan, string>? plan, string trained) => new()
    {
        Loading = data => Console.Error.WriteLine($"Loading {data}…"),
        Planned = plan is null ? null : planned => Console.Error.WriteLine(plan(planned)),
        Step = new ConsoleProgress().Report,
        Trained = result => Console.WriteLine(result.Steps == 0
            ? $"untrained: the seed's initial weights, checkpoint {result.Checkpoint}"
            : $"{trained}: {result.Steps} steps, final loss {result.FinalLoss:F4}, {result.WallSeconds:F0} s, {result.ImagesPerSecond:F0} images/s; checkpoint {result.Checkpoint}"),
        Evaluated = results => EvaluateCommand.Print(results, asJson: false),
        Exported = export => Console.WriteLine(ExportCommand.Describe(export)),
    };

    public void Report(PretrainProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        bool last = progress.Metrics.Step == progress.TotalSteps;
        if (!_line.IsDue(last))
        {
            return;
        }
        StepMetrics metrics = progress.Metrics;
        string terms = metrics.Terms is null ? "" : string.Concat(metrics.Terms.Select(term => $" {term.Key} {term.Value:G4}"));
        _line.Report((double)metrics.Step / progress.TotalSteps,
            $"step {metrics.Step}/{progress.TotalSteps} epoch {metrics.Epoch} loss {metrics.Loss:F4}{terms} lr {metrics.LearningRate:G3} {metrics.ImagesPerSecond:F0} img/s ETA {progress.Remaining:hh\\:mm\\:ss}",
            last);
    }
}
