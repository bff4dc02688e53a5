using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Pipeline.Storage;

/// <summary>
/// A blob lease of <see cref="Duration"/>, renewed every third of it in the background. Renewals go through the
/// store's resilience pipeline; if none succeeds before the lease would expire, <see cref="Lost"/> is cancelled.
/// </summary>
internal sealed class AzureBlobLease : IArtifactLease
{
    /// <summary>The longest finite lease Azure grants.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    private readonly BlobLeaseClient _lease;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    /// <param name="key">The leased blob.</param>
    /// <param name="lease">The client holding the lease id.</param>
    /// <param name="run">Runs one call through the store's pipeline.</param>
    public AzureBlobLease(string key, BlobLeaseClient lease, Func<Func<CancellationToken, ValueTask<BlobLease>>, Task<BlobLease>> run)
    {
        Key = key;
        _lease = lease;
        _renewing = RenewAsync(run, _stop.Token);
    }

    public string Key { get; }

    public CancellationToken Lost => _lost.Token;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        try
        {
            if (!_lost.IsCancellationRequested)
            {
                await _lease.ReleaseAsync().ConfigureAwait(false);
            }
        }
        catch (Azure.RequestFailedException)
        {
            // Unreleased, the lease expires by itself within a minute.
        }
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task RenewAsync(Func<Func<CancellationToken, ValueTask<BlobLease>>, Task<BlobLease>> run, CancellationToken stop)
    {
        DateTimeOffset expires = DateTimeOffset.UtcNow + Duration;
        using var timer = new PeriodicTimer(Duration / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await run(async token => (await _lease.RenewAsync(cancellationToken: token).ConfigureAwait(false)).Value).ConfigureAwait(false);
                    expires = DateTimeOffset.UtcNow + Duration;
                }
                catch (ArtifactStoreException) when (DateTimeOffset.UtcNow + Duration / 3 < expires)
                {
                    // Still held for now; the next tick tries again.
                }
                catch (ArtifactStoreException)
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
