namespace Pipeline.Inference.Tests;

/// <summary>
/// Disposes a model while threads call it, as a server does when it swaps models: every call must either finish with
/// the answer it gave before or be refused with <see cref="ObjectDisposedException"/>, and so must every call after.
/// </summary>
internal static class ConcurrentDispose
{
    /// <summary>Runs <paramref name="call"/> on three threads until <paramref name="model"/>, disposed meanwhile, refuses it.</summary>
    public static async Task CheckAsync(IDisposable model, Func<float[]> call)
    {
        float[] expected = call();
        int finished = 0;
        Task[] callers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (true)
            {
                float[] result;
                try
                {
                    result = call();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                Assert.Equal(expected, result);
                Interlocked.Increment(ref finished);
            }
        })).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref finished) >= 3, TimeSpan.FromSeconds(10));

        model.Dispose();

        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Throws<ObjectDisposedException>(() => call());
    }
}
