using System.Diagnostics;

namespace Pipeline.Cli;

/// <summary>
/// A progress line on stderr: a bar redrawn in place on a terminal (at most every 100 ms), or one line every ten
/// seconds when stderr is a file or a pipe (CI logs, nightly jobs). The last report is always drawn.
/// </summary>
public sealed class ProgressLine
{
    private const int BarWidth = 28;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private bool _drawn;

    /// <summary>Whether a report now would be drawn: callers may skip building its text when not.</summary>
    public bool IsDue(bool last) =>
        !_drawn || last || _sinceDraw.Elapsed >= (_interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(10));

    /// <summary>Draws "[####----] 42% <paramref name="text"/>" when due; <paramref name="last"/> ends the line.</summary>
    /// <param name="fraction">Done so far, in [0, 1].</param>
    /// <param name="text">What follows the bar and percentage.</param>
    /// <param name="last">Whether this is the final report.</param>
    public void Report(double fraction, string text, bool last)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsDue(last))
        {
            return;
        }
        _sinceDraw.Restart();
        _drawn = true;

        fraction = Math.Clamp(fraction, 0, 1);
        int filled = (int)Math.Round(fraction * BarWidth);
        string line = $"[{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction,4:P0} {text}";
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
