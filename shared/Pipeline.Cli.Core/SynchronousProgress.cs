namespace Pipeline.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread, in order, before the call that reports returns:
/// <see cref="Progress{T}"/> posts to the thread pool, so its last line could land after a verb's result.
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Action<T> _report = report ?? throw new ArgumentNullException(nameof(report));

    public void Report(T value) => _report(value);
}
