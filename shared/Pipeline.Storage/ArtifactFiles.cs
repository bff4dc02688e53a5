namespace Pipeline.Storage;

/// <summary>File handling the stores share: files opened for large sequential reads, and rewinding a stream before a retried attempt.</summary>
internal static class ArtifactFiles
{
    private const int BufferSize = 1 << 16;

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize,
            FileOptions.Asynchronous | FileOptions.SequentialScan);

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
}
