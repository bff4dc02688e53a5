using System.Security.Cryptography;

namespace Pipeline.Runs;

/// <summary>
/// The size and SHA-256 of a file's bytes: what manifests, checkpoints and model metadata record, and what a file read or
/// downloaded is checked against.
/// </summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="Sha256">SHA-256, 64 lower-case hex digits.</param>
public sealed record FileDigest(long Length, string Sha256)
{
    private const int ReadSize = 1 << 20;
    private const int FileBufferSize = 1 << 16;

    /// <summary>The digest of the file at <paramref name="path"/>.</summary>
    public static FileDigest Of(string path)
    {
        using FileStream file = OpenRead(path, FileOptions.SequentialScan);
        return new FileDigest(file.Length, Convert.ToHexStringLower(SHA256.HashData(file)));
    }

    /// <summary>The digest of a file's <paramref name="bytes"/>, read whole already.</summary>
    public static FileDigest Of(ReadOnlySpan<byte> bytes) => new(bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));

    /// <inheritdoc cref="Of(string)"/>
    public static async Task<FileDigest> OfAsync(string path, CancellationToken cancellationToken = default)
    {
        FileStream file = OpenRead(path, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            return await OfAsync(file, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The digest of the bytes of <paramref name="stream"/> from its position to its end.</summary>
    public static async Task<FileDigest> OfAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ReadSize];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        return new FileDigest(length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Whether <paramref name="text"/> is 64 lower-case hex digits.</summary>
    public static bool IsSha256(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigitLower);

    private static FileStream OpenRead(string path, FileOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileBufferSize, options);
    }
}
