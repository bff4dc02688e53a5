namespace Pipeline.Storage;

/// <summary>
/// An exclusive claim on a key of a store, held until disposed: how two jobs (the nightly run and a hand-started one,
/// two pods of a CronJob) make sure only one of them works at a time. A blob lease on Azure, an OS file lock on a folder.
/// </summary>
public interface IArtifactLease : IAsyncDisposable
{
    /// <summary>The key leased.</summary>
    string Key { get; }

    /// <summary>
    /// Cancelled when the lease is lost before it is released (it could not be renewed in time); the holder must then
    /// stop, since another may hold it now.
    /// </summary>
    CancellationToken Lost { get; }
}
