using Microsoft.Extensions.Logging;

namespace Pipeline.Inference.Server;

/// <summary>
/// Reloads a served model when its file is written, renamed into place or replaced, once the file has been quiet for
/// a moment (writers take several events to write a file); what a reload does and refuses is <see cref="ServedModel"/>'s.
/// </summary>
public sealed class ModelFileWatcher : IDisposable
{
    /// <summary>How long the file must be quiet before it is reloaded.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly Func<Task> _reload;
    private readonly ILogger _logger;

    /// <param name="path">The model file.</param>
    /// <param name="reload">Reloads it; its failures are logged, never thrown.</param>
    /// <param name="logger">Where failures go.</param>
    public ModelFileWatcher(string path, Func<Task> reload, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(reload);
        ArgumentNullException.ThrowIfNull(logger);
        _reload = reload;
        _logger = logger;
        string full = Path.GetFullPath(path);
        _debounce = new Timer(_ => _ = ReloadAsync(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Poke();
        _watcher.Created += (_, _) => Poke();
        _watcher.Renamed += (_, _) => Poke();
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _debounce.Dispose();
    }

    private void Poke() => _debounce.Change(Quiet, Timeout.InfiniteTimeSpan);

    private async Task ReloadAsync()
    {
        try
        {
            await _reload().ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // ServedModel has logged why the file was refused; anything else is logged here, and the watch goes on.
            _logger.LogDebug(error, "Watched reload did not happen.");
        }
    }
}
