using System.Diagnostics;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// The pretraining progress bar on stderr: redrawn in place on a terminal, one line every ten seconds when stderr is
/// a file or a pipe (CI logs, nightly jobs).
/// </summary>
public sealed class ConsoleProgress
{
    private const int BarWidth = 28;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private bool _drawn;

    public void Report(PretrainProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        bool last = progress.Metrics.Step == progress.TotalSteps;
        TimeSpan interval = _interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(10);
        if (_drawn && !last && _sinceDraw.Elapsed < interval)
        {
            return;
        }
        _sinceDraw.Restart();
        _drawn = true;

        StepMetrics metrics = progress.Metrics;
        double fraction = (double)metrics.Step / progress.TotalSteps;
        int filled = (int)Math.Round(fraction * BarWidth);
        string line = $"[{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction,4:P0} step {metrics.Step}/{progress.TotalSteps} epoch {metrics.Epoch} loss {metrics.Loss:F4} lr {metrics.LearningRate:G3} {metrics.ImagesPerSecond:F0} img/s ETA {progress.Remaining:hh\\:mm\\:ss}";
        if (_interactive)
        {
            Console.Error.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 160) : line.Length));
            if (last)
            {
                Console.Error.WriteLine();
            }
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }
}
