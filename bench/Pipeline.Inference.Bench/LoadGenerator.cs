using System.Diagnostics;

namespace Pipeline.Inference.Bench;

/// <summary>Runs a request function from N concurrent clients for a fixed time, after a warm-up, and times every request.</summary>
public static class LoadGenerator
{
    /// <param name="path">The name of what is measured, for the table.</param>
    /// <param name="clients">Concurrent callers, each sending its next request when the last one returns.</param>
    /// <param name="duration">How long to measure (requests started before the end are counted).</param>
    /// <param name="request">One request; the argument is the request's sequence number, to pick an input.</param>
    public static async Task<LoadResult> RunAsync(string path, int clients, TimeSpan duration, Func<int, Task> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => request(i))); // warm-up: connections, JIT, first runs
        int next = 0;
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            latencies[client] = [];
            while (clock.Elapsed < duration)
            {
                long start = Stopwatch.GetTimestamp();
                await request(Interlocked.Increment(ref next)).ConfigureAwait(false);
                latencies[client].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        double[] all = latencies.SelectMany(list => list).ToArray();
        return new LoadResult(path, clients, all.Length, seconds, all);
    }
}
