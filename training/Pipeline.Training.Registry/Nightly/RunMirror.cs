using Pipeline.Storage;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// Keeps a copy of a training run in the store so that a job on another machine can resume it: the config, the
/// metrics and the newest checkpoint (older ones are deleted from the store once a newer one is there).
/// </summary>
public sealed class RunMirror
{
    private readonly IArtifactStore _store;
    private readonly RunDirectory _run;
    private readonly string _prefix;
    private string? _mirroredCheckpoint;

    public RunMirror(IArtifactStore store, RunDirectory run, string prefix)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(run);
        ArtifactKey.ValidatePrefix(prefix);
        _store = store;
        _run = run;
        _prefix = prefix;
    }

    /// <summary>Downloads what the store holds of the run into its folder; returns the number of files.</summary>
    public async Task<int> RestoreAsync(CancellationToken cancellationToken)
    {
        int restored = 0;
        string? newestCheckpoint = null;
        await foreach (ArtifactProperties blob in _store.ListAsync(_prefix, cancellationToken).ConfigureAwait(false))
        {
            string local = Path.Combine(_run.Path, blob.Key[_prefix.Length..].Replace('/', Path.DirectorySeparatorChar));
            await _store.GetFileAsync(blob.Key, local, null, cancellationToken).ConfigureAwait(false);
            restored++;
            if (blob.Key.StartsWith(_prefix + "checkpoints/", StringComparison.Ordinal))
            {
                newestCheckpoint = blob.Key; // listed in key order, so the newest step comes last
            }
        }
        _mirroredCheckpoint = newestCheckpoint;
        return restored;
    }

    /// <summary>
    /// Uploads the config, the metrics and the newest checkpoint, if it is not the one mirrored already. A run that has
    /// lost its checkpoints since (a diverged run deletes the one that gave the non-finite loss) has the mirrored one
    /// deleted too, so that the next job does not resume from it.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<(long Step, string Path)> checkpoints = _run.Checkpoints();
        string? key = checkpoints.Count == 0 ? null : KeyOf(checkpoints[^1].Path);
        if (key == _mirroredCheckpoint)
        {
            return;
        }
        // The checkpoint first: a store whose metrics run ahead of its checkpoint would resume with a gap.
        if (key is not null)
        {
            await _store.PutFileAsync(key, checkpoints[^1].Path, ArtifactCondition.None, cancellationToken).ConfigureAwait(false);
        }
        await _store.PutFileAsync(KeyOf(_run.ConfigPath), _run.ConfigPath, ArtifactCondition.None, cancellationToken).ConfigureAwait(false);
        if (File.Exists(_run.MetricsPath))
        {
            await UploadCopyAsync(_run.MetricsPath, cancellationToken).ConfigureAwait(false);
        }
        if (_mirroredCheckpoint is not null)
        {
            await _store.DeleteAsync(_mirroredCheckpoint, cancellationToken).ConfigureAwait(false);
        }
        _mirroredCheckpoint = key;
    }

    /// <summary>
    /// Mirrors the run every <paramref name="interval"/> until <paramref name="stop"/>, then once more, even when the
    /// job was cancelled: the checkpoint a cancelled run writes last is the one the next job resumes from.
    /// </summary>
    public async Task MirrorUntilAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await SyncAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        await SyncAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Deletes the run's mirror (once it is published, the registry holds what matters).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await foreach (ArtifactProperties blob in _store.ListAsync(_prefix, cancellationToken).ConfigureAwait(false))
        {
            await _store.DeleteAsync(blob.Key, cancellationToken).ConfigureAwait(false);
        }
    }

    // The trainer appends to metrics.jsonl while this runs: upload a snapshot, so a retry sends the same bytes.
    private async Task UploadCopyAsync(string path, CancellationToken cancellationToken)
    {
        string snapshot = Path.Combine(Path.GetTempPath(), $"pipeline-mirror-{Guid.NewGuid():N}");
        try
        {
            File.Copy(path, snapshot);
            await _store.PutFileAsync(KeyOf(path), snapshot, ArtifactCondition.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(snapshot);
        }
    }

    private string KeyOf(string localPath) =>
        _prefix + Path.GetRelativePath(_run.Path, localPath).Replace(Path.DirectorySeparatorChar, '/');
}
