using System.Security.Cryptography;

namespace Pipeline.Storage;

/// <summary>The size and SHA-256 of some bytes: what a manifest promises and what a download is checked against.</summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="Sha256">SHA-256, 64 lower-case hex digits.</param>
public sealed record ArtifactDigest(long Length, string Sha256)
{
    /// <summary>Reads <paramref name="stream"/> from its position to its end.</summary>
    public static async Task<ArtifactDigest> ComputeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        return new ArtifactDigest(length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The digest of the file at <paramref name="path"/>.</summary>
    public static async Task<ArtifactDigest> ComputeFileAsync(string path, CancellationToken cancellationToken = default)
    {
        FileStream file = ArtifactFiles.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            return await ComputeAsync(file, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="text"/> is 64 lower-case hex digits.</summary>
    public static bool IsSha256(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigitLower);
}
