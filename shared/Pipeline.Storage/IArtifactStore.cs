namespace Pipeline.Storage;

/// <summary>
/// A flat store of immutable-or-conditionally-replaced blobs under '/'-separated keys: what the model registry needs
/// from a folder or a cloud container, and nothing more.
/// </summary>
/// <remarks>
/// Every call runs through the store's resilience pipeline: transient failures are retried with the whole operation
/// as the unit (an upload starts again from the first byte), so streams given to <see cref="PutAsync"/> and
/// <see cref="GetAsync"/> must be seekable. Implementations are thread-safe. Keys are validated by
/// <see cref="ArtifactKey"/>.
/// </remarks>
public interface IArtifactStore
{
    /// <summary>Where the store is, for messages: <c>file:/abs/path</c> or <c>azblob://container</c>; never a secret.</summary>
    string Location { get; }

    /// <summary>
    /// Writes <paramref name="content"/> (from its current position to its end) under <paramref name="key"/>, if
    /// <paramref name="condition"/> holds: <see cref="ArtifactCondition.None"/> replaces whatever is there,
    /// <see cref="ArtifactCondition.IfAbsent"/> writes only if nothing is, <see cref="ArtifactCondition.IfMatch"/> replaces
    /// only the version with that ETag. Readers see the old blob or the new one, never part of one.
    /// </summary>
    /// <returns>The properties of what was written, its new ETag included.</returns>
    /// <exception cref="ArtifactConflictException">The condition did not hold; nothing was written.</exception>
    /// <exception cref="ArtifactStoreException">The store failed after every retry.</exception>
    Task<ArtifactProperties> PutAsync(string key, Stream content, ArtifactCondition condition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies the blob at <paramref name="key"/> to <paramref name="destination"/> from its current position; a retried
    /// attempt rewinds and truncates the destination to that position first.
    /// </summary>
    /// <returns>The properties of the version read (its ETag matches the bytes copied).</returns>
    /// <exception cref="ArtifactNotFoundException">Nothing is stored under the key.</exception>
    Task<ArtifactProperties> GetAsync(string key, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>The blob's size, ETag and last change, or null when nothing is stored under the key.</summary>
    Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every blob whose key starts with <paramref name="prefix"/> (empty: all), ordered by key (ordinal), read a page at
    /// a time as the caller enumerates, so that no listing is held whole: a page is one request of a container, one
    /// folder of a folder store. Each page is a call through the resilience pipeline of its own (a failed page is
    /// retried, not the listing).
    /// </summary>
    /// <exception cref="ArtifactStoreException">A page failed after every retry (thrown while enumerating).</exception>
    IAsyncEnumerable<ArtifactProperties> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob at <paramref name="key"/>; returns whether there was one.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the exclusive lease on <paramref name="key"/>, renewed in the background until the lease is disposed; null
    /// when someone else holds it. The lease lives beside the store's blobs and never changes what is stored at the key.
    /// </summary>
    /// <exception cref="ArtifactStoreException">The store failed after every retry.</exception>
    Task<IArtifactLease?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken = default);
}
