using System.Globalization;
using System.Runtime.CompilerServices;
using Pipeline.Runs;
using Polly;
using Polly.Retry;

namespace Pipeline.Storage;

/// <summary>
/// An <see cref="IArtifactStore"/> in a folder (<c>file:./registry</c>): each key is a file at the same relative path.
/// </summary>
/// <remarks>
/// <para>Writes go to <c>.staging/</c> under the root, are flushed to disk, then renamed into place, so a reader sees
/// the old file or the new one, never part of one. Every write and delete of a key holds an exclusive lock on
/// <c>.locks/KEY.lock</c> (an OS file lock, so it also excludes other processes), and checks its condition under it:
/// create-only and If-Match writes are race-free across processes on one machine.</para>
/// <para>The ETag is the file's last-write time in 100 ns ticks and its length. Under the lock each write sets the new
/// file's time to at least one tick after the file it replaces, so the ETag changes on every write even when the
/// file system's clock is coarse.</para>
/// <para>Folders shared over a network file system are only as safe as its locks and renames.</para>
/// </remarks>
public sealed class FileSystemArtifactStore : IArtifactStore
{
    private const string StagingFolder = ".staging";
    private const string LockFolder = ".locks";

    // Waiting for another writer's lock: short, jittered polls for up to about 30 s.
    private static readonly ResiliencePipeline LockWait = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<IOException>(error => error is not (FileNotFoundException or DirectoryNotFoundException)),
            MaxRetryAttempts = 3000,
            BackoffType = DelayBackoffType.Constant,
            Delay = TimeSpan.FromMilliseconds(10),
            UseJitter = true,
        })
        .Build();

    private readonly ResiliencePipeline _pipeline;

    /// <param name="root">The folder; created on the first write.</param>
    /// <param name="options">Retries for transient I/O errors (default: <see cref="ArtifactStoreOptions"/>' defaults).</param>
    public FileSystemArtifactStore(string root, ArtifactStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new ArtifactStoreOptions();
        options.Validate();
        Root = Path.GetFullPath(root);
        _pipeline = ArtifactStoreResilience.Create(options.Resilience);
    }

    /// <summary>The folder, as an absolute path.</summary>
    public string Root { get; }

    public string Location => "file:" + Root;

    public Task<ArtifactProperties> PutAsync(string key, Stream content, ArtifactCondition condition, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        ArgumentNullException.ThrowIfNull(condition);
        long start = ArtifactFiles.RetryStart(content, nameof(content));
        return RunAsync("write", key, async token =>
        {
            content.Position = start;
            string staging = Path.Combine(Root, StagingFolder);
            Directory.CreateDirectory(staging);
            return await AtomicFile.StageAsync(staging, Path.GetFileName(key), (file, writing) => content.CopyToAsync(file, writing),
                (temporary, committing) => UnderLockAsync(key, () => Commit(key, temporary, condition), committing), token).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<ArtifactProperties> GetAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        long start = ArtifactFiles.RetryStart(destination, nameof(destination));
        return RunAsync("read", key, async token =>
        {
            ArtifactFiles.Rewind(destination, start);
            FileStream file;
            try
            {
                file = ArtifactFiles.OpenRead(PathOf(key));
            }
            catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new ArtifactNotFoundException(Location, key, error);
            }
            await using (file.ConfigureAwait(false))
            {
                // Files are replaced by rename, never rewritten: the open handle's time and length belong to the bytes read.
                var properties = Properties(key, File.GetLastWriteTimeUtc(file.SafeFileHandle), RandomAccess.GetLength(file.SafeFileHandle));
                await file.CopyToAsync(destination, token).ConfigureAwait(false);
                return properties;
            }
        }, cancellationToken);
    }

    public Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        return RunAsync("read the properties of", key, _ => ValueTask.FromResult(Stat(key)), cancellationToken);
    }

    public IAsyncEnumerable<ArtifactProperties> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArtifactKey.ValidatePrefix(prefix);
        // Walk only the deepest folder the prefix names completely.
        return ListFolderAsync(prefix[..(prefix.LastIndexOf('/') + 1)], prefix, cancellationToken);
    }

    // The files under the folder of key prefix `folder` ('' or ending in '/') whose keys start with `prefix`, in key order:
    // a folder is read whole (one page), then its entries are given in order, each subfolder's files in its place.
    private async IAsyncEnumerable<ArtifactProperties> ListFolderAsync(string folder, string prefix,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Key, ArtifactProperties? File)> entries =
            await RunAsync("list", prefix, _ => ValueTask.FromResult(ReadFolder(folder, prefix)), cancellationToken).ConfigureAwait(false);
        foreach ((string key, ArtifactProperties? file) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file is not null)
            {
                yield return file;
                continue;
            }
            await foreach (ArtifactProperties below in ListFolderAsync(key, prefix, cancellationToken).ConfigureAwait(false))
            {
                yield return below;
            }
        }
    }

    // One folder's files that match the prefix, and its subfolders that may hold some (keys ending in '/', null properties),
    // sorted so that a subfolder stands where its keys sort: "a.txt" < "a/" (every "a/…") < "a0".
    private List<(string Key, ArtifactProperties? File)> ReadFolder(string folder, string prefix)
    {
        var directory = new DirectoryInfo(folder.Length == 0 ? Root : PathOf(folder));
        var entries = new List<(string Key, ArtifactProperties? File)>();
        if (!directory.Exists)
        {
            return entries;
        }
        foreach (FileSystemInfo entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            // .staging/, .locks/ and the hidden temporary files of writes in progress: never keys (ArtifactKey refuses dot segments).
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }
            string key = folder + entry.Name;
            if (entry is FileInfo file)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    entries.Add((key, Properties(key, file.LastWriteTimeUtc, file.Length)));
                }
                continue;
            }
            key += '/';
            // A subfolder holds matching keys when it lies inside the prefix or the prefix reaches into it.
            if (key.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(key, StringComparison.Ordinal))
            {
                entries.Add((key, null));
            }
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return entries;
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        return RunAsync("delete", key, token => new ValueTask<bool>(UnderLockAsync(key, () =>
        {
            string path = PathOf(key);
            bool existed = File.Exists(path);
            File.Delete(path);
            return existed;
        }, token)), cancellationToken);
    }

    public Task<IArtifactLease?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        string path = Path.Combine(Root, LockFolder, key + ".lease");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // The OS lock goes with the process: a killed holder never leaves a stale lease behind.
            var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return Task.FromResult<IArtifactLease?>(new FileLease(key, held));
        }
        catch (IOException error) when (error is not (FileNotFoundException or DirectoryNotFoundException))
        {
            return Task.FromResult<IArtifactLease?>(null);
        }
    }

    public override string ToString() => Location;

    private sealed class FileLease(string key, FileStream held) : IArtifactLease
    {
        public string Key { get; } = key;

        // A lock the process holds cannot be lost while it runs.
        public CancellationToken Lost => CancellationToken.None;

        public ValueTask DisposeAsync() => held.DisposeAsync();
    }

    // Under the key's lock: check the condition against the file there now, stamp a time after its own, rename.
    private ArtifactProperties Commit(string key, string temporary, ArtifactCondition condition)
    {
        ArtifactProperties? current = Stat(key);
        if ((condition.MustBeAbsent && current is not null) || (condition.ETag is { } etag && current?.ETag != etag))
        {
            throw new ArtifactConflictException(Location, key, condition);
        }
        if (current is not null)
        {
            DateTime written = File.GetLastWriteTimeUtc(temporary);
            DateTime floor = current.LastModifiedUtc.UtcDateTime.AddTicks(1);
            if (written < floor)
            {
                File.SetLastWriteTimeUtc(temporary, floor);
            }
        }
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(temporary, path, overwrite: !condition.MustBeAbsent);
        return Stat(key) ?? throw new IOException($"{path} vanished right after it was written.");
    }

    private async Task<T> UnderLockAsync<T>(string key, Func<T> action, CancellationToken cancellationToken)
    {
        string lockPath = Path.Combine(Root, LockFolder, key + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        // FileShare.None takes an exclusive flock on Unix and a sharing lock on Windows: both exclude other processes.
        FileStream held = await LockWait.ExecuteAsync(
            _ => ValueTask.FromResult(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)),
            cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            return action();
        }
    }

    private ArtifactProperties? Stat(string key)
    {
        var info = new FileInfo(PathOf(key));
        return info.Exists ? Properties(key, info.LastWriteTimeUtc, info.Length) : null;
    }

    private static ArtifactProperties Properties(string key, DateTime lastWriteUtc, long length) =>
        new(key, length, string.Create(CultureInfo.InvariantCulture, $"\"{lastWriteUtc.Ticks:x}-{length:x}\""),
            new DateTimeOffset(lastWriteUtc, TimeSpan.Zero));

    private string PathOf(string key) => Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));

    private Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken) =>
        StoreCall.RunAsync(_pipeline, Location, operation, key, attempt, _ => null, cancellationToken);
}
