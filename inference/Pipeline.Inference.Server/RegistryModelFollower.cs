using Microsoft.Extensions.Logging;
using Pipeline.Inference.Registry;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Server;

/// <summary>
/// Keeps a served model on the version a registry alias names: polls the alias (one small read of its ETag), and when
/// it moves pulls the new version into the cache (every file verified), checks and warms it up and swaps it in through
/// <see cref="ServedModel.ReloadAsync"/>, in the precision served at start. A version that fails (or lacks that precision) is refused and logged; the old one keeps serving, and
/// the follower tries it again only once the alias moves again.
/// </summary>
public sealed class RegistryModelFollower : IAsyncDisposable
{
    private readonly RegistryModelCache _cache;
    private readonly ModelReference _alias;
    private readonly string _precision;
    private readonly ServedModel _served;
    private readonly Func<string, string, CancellationToken, Task> _reload;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private string? _seenETag;

    /// <param name="cache">Where versions are pulled to.</param>
    /// <param name="alias">The alias followed, such as <c>encoders@champion</c>.</param>
    /// <param name="precision">The precision pulled of each version (<see cref="FileVariant.ReferencePrecision"/>, <c>int8</c>…).</param>
    /// <param name="served">The model being served, loaded from <paramref name="current"/>.</param>
    /// <param name="current">The version served at start.</param>
    /// <param name="currentETag">The alias's ETag when <paramref name="current"/> was resolved.</param>
    /// <param name="reload">Swaps a model file in (path, expected SHA-256); throws when it is refused.</param>
    /// <param name="interval">Time between polls.</param>
    /// <param name="logger">Where moves and refusals go.</param>
    public RegistryModelFollower(RegistryModelCache cache, ModelReference alias, string precision, ServedModel served, ModelVersion current,
        string? currentETag, Func<string, string, CancellationToken, Task> reload, TimeSpan interval, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (alias.Alias is null)
        {
            throw new ArgumentException($"{alias} names a fixed version; only an alias (NAME@champion) can be followed.", nameof(alias));
        }
        ArgumentNullException.ThrowIfNull(cache);
        FileVariant.ValidatePrecision(precision);
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(reload);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _cache = cache;
        _alias = alias;
        _precision = precision;
        _served = served;
        _reload = reload;
        _logger = logger;
        Version = current;
        _seenETag = currentETag;
        _polling = PollAsync(interval, _stop.Token);
    }

    /// <summary>The version served now.</summary>
    public ModelVersion Version { get; private set; }

    /// <summary>
    /// Reads the alias now and, if it names another version than the one served, pulls and swaps that one in.
    /// </summary>
    /// <returns>Whether a new version was swapped in.</returns>
    /// <remarks>A version the reload refuses throws what the reload throws; the old one keeps serving.</remarks>
    public async Task<bool> CheckNowAsync(CancellationToken cancellationToken = default)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string? etag = await _cache.Registry.GetAliasETagAsync(_alias.Name, _alias.Alias!, cancellationToken).ConfigureAwait(false);
            if (etag is null || etag == _seenETag)
            {
                return false;
            }
            // Whatever happens next, this state of the alias has been looked at: a refused version is not retried every poll.
            _seenETag = etag;
            CachedModel next = await _cache.GetAsync(_alias, _precision, cancellationToken).ConfigureAwait(false);
            if (next.Version == Version)
            {
                return false;
            }
            _logger.LogInformation("{Alias} moved from {Old} to {New}: pulled to {Path}, checking it.", _alias, Version, next.Version, next.Path);
            await _reload(next.Path, next.Sha256, cancellationToken).ConfigureAwait(false);
            Version = next.Version;
            _cache.Prune(_alias.Name, next.Version);
            return true;
        }
        finally
        {
            _checking.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _polling.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _checking.Dispose();
    }

    private async Task PollAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            try
            {
                await CheckNowAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                // An unreachable registry or a refused version must never stop the server: log, keep serving, poll again.
                _logger.LogWarning("Following {Alias}: {Reason} Still serving {Version} (SHA-256 {Sha256}).",
                    _alias, error.Message, Version, _served.Current.Sha256);
            }
        }
    }
}
