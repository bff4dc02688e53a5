using System.Diagnostics;

namespace Pipeline.Bench;

/// <summary>How fast a repeated call runs, timed after a warm-up.</summary>
internal static class Throughput
{
    /// <summary>
    /// Items per second of <paramref name="call"/> on <paramref name="batch"/> items each, over <paramref name="seconds"/>
    /// after 5 untimed calls, and how many calls were made in all (warm-up included, for per-call figures).
    /// </summary>
    public static (double ItemsPerSecond, long Calls) Measure(double seconds, int batch, Action call)
    {
        for (int i = 0; i < 5; i++)
        {
            call();
        }
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            call();
            calls++;
        }
        return (calls * batch / clock.Elapsed.TotalSeconds, calls + 5);
    }
}
