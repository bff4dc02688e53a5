namespace Pipeline.Runs;

/// <summary>
/// Writes a file whole or not at all: into a hidden temporary file beside it, flushed to the disk, then renamed over the
/// target. A reader, a crash or a cancellation never sees half a file, and a failed write leaves the old file as it was
/// and no temporary file behind.
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
        (string target, string temporary) = Paths(path);
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
        (string target, string temporary) = Paths(path);
        try
        {
            FileStream stream = Create(temporary, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
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

    /// <summary>A name in <paramref name="folder"/> no other writer uses, hidden (leading '.') and marked as partial.</summary>
    public static string TemporaryPath(string folder, string name) =>
        Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.partial");

    private static (string Target, string Temporary) Paths(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        return (target, TemporaryPath(Path.GetDirectoryName(target)!, Path.GetFileName(target)));
    }

    // Refused if the name exists, so two writers never share a temporary file.
    private static FileStream Create(string path, FileOptions options) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, options);
}
