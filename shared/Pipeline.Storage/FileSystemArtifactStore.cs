using System.Globalization;
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
            string temporary = AtomicFile.TemporaryPath(staging, Path.GetFileName(key));
            try
            {
                await using (FileStream file = ArtifactFiles.CreateNew(temporary))
                {
                    await content.CopyToAsync(file, token);
                    file.Flush(flushToDisk: true);
                }
                return await UnderLockAsync(key, () => Commit(key, temporary, condition), token);
            }
            finally
            {
                File.Delete(temporary); // nothing there once committed
            }
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
            await using (file)
            {
                // Files are replaced by rename, never rewritten: the open handle's time and length belong to the bytes read.
                var properties = Properties(key, File.GetLastWriteTimeUtc(file.SafeFileHandle), RandomAccess.GetLength(file.SafeFileHandle));
                await file.CopyToAsync(destination, token);
                return properties;
            }
        }, cancellationToken);
    }

    public Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        return RunAsync("read the properties of", key, _ => ValueTask.FromResult(Stat(key)), cancellationToken);
    }

    public Task<IReadOnlyList<ArtifactProperties>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArtifactKey.ValidatePrefix(prefix);
        return RunAsync("list", prefix, token =>
        {
            // Walk only the deepest folder the prefix names completely.
            int slash = prefix.LastIndexOf('/');
            string folder = slash < 0 ? Root : Path.Combine(Root, prefix[..slash]);
            var found = new List<ArtifactProperties>();
            if (Directory.Exists(folder))
            {
                foreach (string file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                {
                    token.ThrowIfCancellationRequested();
                    string key = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
                    if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsInternal(key))
                    {
                        var info = new FileInfo(file);
                        if (info.Exists)
                        {
                            found.Add(Properties(key, info.LastWriteTimeUtc, info.Length));
                        }
                    }
                }
            }
            found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return ValueTask.FromResult<IReadOnlyList<ArtifactProperties>>(found);
        }, cancellationToken);
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
        await using FileStream held = await LockWait.ExecuteAsync(
            _ => ValueTask.FromResult(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)),
            cancellationToken);
        return action();
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

    // .staging/, .locks/ and the hidden temporary files of writes in progress: never keys (ArtifactKey refuses dot segments).
    private static bool IsInternal(string key) => key.Split('/').Any(segment => segment.StartsWith('.'));

    private Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken) =>
        StoreCall.RunAsync(_pipeline, Location, operation, key, attempt, _ => null, cancellationToken);
}
