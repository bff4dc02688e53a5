using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Pipeline.Storage;

namespace Pipeline.Inference.Bench;

/// <summary>
/// A store that passes every call on to another and knows which calls are running at any moment, so that a fault
/// campaign can tell where a kill landed (as the model's upload ran, as the manifest was written, between calls), or
/// act at a chosen boundary between calls (<see cref="Arm"/>).
/// </summary>
public sealed class InFlightStore(IArtifactStore inner) : IArtifactStore
{
    private readonly ConcurrentDictionary<long, string> _running = new();
    private long _calls;
    private Boundary? _armed;

    public string Location => inner.Location;

    /// <summary>The calls running now, oldest first, as "put KEY", "get KEY", "head KEY", "list PREFIX", "delete KEY" or "lease KEY".</summary>
    public IReadOnlyList<string> Running => [.. _running.OrderBy(call => call.Key).Select(call => call.Value)];

    public Task<ArtifactProperties> PutAsync(string key, Stream content, ArtifactCondition condition, CancellationToken cancellationToken = default) =>
        TrackAsync($"put {key}", () => inner.PutAsync(key, content, condition, cancellationToken));

    public Task<ArtifactProperties> GetAsync(string key, Stream destination, CancellationToken cancellationToken = default) =>
        TrackAsync($"get {key}", () => inner.GetAsync(key, destination, cancellationToken));

    public Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) =>
        TrackAsync($"head {key}", () => inner.GetPropertiesAsync(key, cancellationToken));

    public async IAsyncEnumerable<ArtifactProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long call = Begin($"list {prefix}");
        try
        {
            await foreach (ArtifactProperties blob in inner.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                yield return blob;
            }
        }
        finally
        {
            _running.TryRemove(call, out _);
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        TrackAsync($"delete {key}", () => inner.DeleteAsync(key, cancellationToken));

    public Task<IArtifactLease?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken = default) =>
        TrackAsync($"lease {key}", () => inner.TryAcquireLeaseAsync(key, cancellationToken));

    /// <summary>
    /// Runs <paramref name="act"/> once, at the first call <paramref name="watched"/> accepts (by its description, as in
    /// <see cref="Running"/>): before it is made, or once it has returned, before its caller gets the answer. The caller
    /// waits for <paramref name="act"/>; a call that fails runs nothing after it.
    /// </summary>
    public void Arm(Func<string, bool> watched, bool beforeCall, Func<Task> act) => _armed = new Boundary(watched, beforeCall, act);

    /// <summary>Forgets the act <see cref="Arm"/> left waiting, when the calls it watched for never came.</summary>
    public void Disarm() => _armed = null;

    private async Task<T> TrackAsync<T>(string description, Func<Task<T>> call)
    {
        Boundary? boundary = _armed is { } armed && armed.Watched(description) && Interlocked.CompareExchange(ref _armed, null, armed) == armed ? armed : null;
        if (boundary is { BeforeCall: true })
        {
            await boundary.Act().ConfigureAwait(false);
        }
        long id = Begin(description);
        T result;
        try
        {
            result = await call().ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
        if (boundary is { BeforeCall: false })
        {
            await boundary.Act().ConfigureAwait(false);
        }
        return result;
    }

    private long Begin(string description)
    {
        long id = Interlocked.Increment(ref _calls);
        _running[id] = description;
        return id;
    }

    private sealed record Boundary(Func<string, bool> Watched, bool BeforeCall, Func<Task> Act);
}
