namespace Pipeline.Storage;

/// <summary>File handling both stores share: streams opened for large sequential transfers, and rewinding a stream before a retried attempt.</summary>
internal static class ArtifactFiles
{
    private const int BufferSize = 1 << 16;

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize,
            FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>A new file, refused if the path exists; readable too, so that a download can be hashed where it landed.</summary>
    public static FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.Asynchronous);

    /// <summary>The position a retried attempt must return to; a stream that cannot seek cannot be retried, so it is refused.</summary>
    public static long RetryStart(Stream stream, string parameter)
    {
        ArgumentNullException.ThrowIfNull(stream, parameter);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable: a failed transfer is retried from its first byte.", parameter);
        }
        return stream.Position;
    }

    /// <summary>Puts a destination back to where the first attempt started, dropping what a failed attempt wrote.</summary>
    public static void Rewind(Stream destination, long start)
    {
        destination.SetLength(start);
        destination.Position = start;
    }

    /// <summary>Writes a small local file through a temporary file and a rename, so that it is whole or absent.</summary>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = TemporaryPath(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A name in <paramref name="folder"/> no other writer uses, hidden (leading '.') and marked as partial.</summary>
    public static string TemporaryPath(string folder, string name) =>
        Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.partial");
}
