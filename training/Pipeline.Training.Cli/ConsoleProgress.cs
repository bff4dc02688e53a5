using Pipeline.Cli;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The pretraining progress bar on stderr (a <see cref="ProgressLine"/>): step, epoch, loss and its logged terms, learning rate, speed, ETA.</summary>
public sealed class ConsoleProgress
{
    private readonly ProgressLine _line = new();

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
