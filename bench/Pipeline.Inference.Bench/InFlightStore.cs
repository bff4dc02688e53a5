using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Pipeline.Storage;

namespace Pipeline.Inference.Bench;

/// <summary>
/// A store that passes every call on to another and knows which calls are running at any moment, so that a fault
/// campaign can tell where a kill landed (as the model's upload ran, as the manifest was written, between calls).
/// </summary>
public sealed class InFlightStore(IArtifactStore inner) : IArtifactStore
{
    private readonly ConcurrentDictionary<long, string> _running = new();
    private long _calls;

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

    private async Task<T> TrackAsync<T>(string description, Func<Task<T>> call)
    {
        long id = Begin(description);
        try
        {
            return await call().ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
    }

    private long Begin(string description)
    {
        long id = Interlocked.Increment(ref _calls);
        _running[id] = description;
        return id;
    }
}
