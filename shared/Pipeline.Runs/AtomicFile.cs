namespace Pipeline.Runs;

/// <summary>
/// Writes a file whole or not at all: into a hidden temporary file beside it (or in a staging folder,
/// <see cref="StageAsync"/>), flushed to the disk, then renamed over the target. A reader, a crash or a cancellation never
/// sees half a file, and a failed write leaves the old file as it was and no temporary file behind.
/// </summary>
public static class AtomicFile
{
    private const int BufferSize = 1 << 16;

    /// <summary>Writes the file by calling <paramref name="write"/> on a stream, then renames it into place.</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content; the stream is readable too, so that it can check what it wrote.</param>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Target(path);
        string temporary = TemporaryPath(Path.GetDirectoryName(target)!, Path.GetFileName(target));
        try
        {
            using (FileStream stream = Create(temporary, FileOptions.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // nothing there once renamed
        }
    }

    /// <inheritdoc cref="Write(string, Action{Stream})"/>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content; the stream is readable too, so that it can check what it wrote.</param>
    /// <param name="cancellationToken">Passed to <paramref name="write"/>, and checked once more before the rename: a cancelled write leaves the old file.</param>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Target(path);
        await StageAsync(Path.GetDirectoryName(target)!, Path.GetFileName(target), write, (temporary, token) =>
        {
            token.ThrowIfCancellationRequested();
            File.Move(temporary, target, overwrite: true);
            return Task.FromResult(target);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a hidden temporary file in <paramref name="folder"/> by calling <paramref name="write"/> on it, flushes it
    /// to the disk, then calls <paramref name="commit"/> with its path to rename it into place. The temporary file is
    /// deleted whatever happens: a commit that does not rename it leaves nothing behind.
    /// </summary>
    /// <remarks>
    /// For a writer whose rename needs more than <see cref="WriteAsync"/>'s: a condition checked under a lock, a
    /// temporary folder apart from the target's.
    /// </remarks>
    /// <param name="folder">Where the temporary file goes; it must exist, on the target's file system for the rename to be atomic.</param>
    /// <param name="name">The target's file name, which the temporary file's name contains.</param>
    /// <param name="write">Writes the content; the stream is readable too, so that it can check what it wrote.</param>
    /// <param name="commit">Renames the temporary file, whose path it is given, into place, and says what it did.</param>
    /// <param name="cancellationToken">Passed to <paramref name="write"/> and <paramref name="commit"/>.</param>
    /// <returns>What <paramref name="commit"/> returned.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="folder"/> does not exist.</exception>
    public static async Task<T> StageAsync<T>(string folder, string name, Func<Stream, CancellationToken, Task> write,
        Func<string, CancellationToken, Task<T>> commit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(commit);
        string temporary = TemporaryPath(folder, name);
        try
        {
            FileStream stream = Create(temporary, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            return await commit(temporary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temporary); // nothing there once renamed
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
    }

    // A name in the folder no other writer uses, hidden (leading '.') and marked as partial.
    private static string TemporaryPath(string folder, string name) =>
        Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.partial");

    private static string Target(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.GetFullPath(path);
    }

    // Refused if the name exists, so two writers never share a temporary file.
    private static FileStream Create(string path, FileOptions options) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, options);
}
