namespace Pipeline.Storage;

/// <summary>File transfers on top of any <see cref="IArtifactStore"/>: uploads from a file, and downloads that never leave a partial file behind.</summary>
public static class ArtifactStoreExtensions
{
    /// <summary>Uploads the file at <paramref name="path"/> under <paramref name="key"/>.</summary>
    /// <inheritdoc cref="IArtifactStore.PutAsync" path="/exception"/>
    public static async Task<ArtifactProperties> PutFileAsync(this IArtifactStore store, string key, string path,
        ArtifactCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        FileStream file = ArtifactFiles.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            return await store.PutAsync(key, file, condition, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Downloads <paramref name="key"/> to <paramref name="path"/> atomically: into a hidden temporary file in the same
    /// folder, flushed to disk, checked against <paramref name="expected"/> when given, then renamed over the path. On
    /// any failure the temporary file is deleted and <paramref name="path"/> is left as it was.
    /// </summary>
    /// <returns>The properties of the version downloaded.</returns>
    /// <exception cref="ArtifactIntegrityException">The bytes are not the expected size or SHA-256.</exception>
    /// <exception cref="ArtifactNotFoundException">Nothing is stored under the key.</exception>
    public static async Task<ArtifactProperties> GetFileAsync(this IArtifactStore store, string key, string path,
        ArtifactDigest? expected = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        string temporary = ArtifactFiles.TemporaryPath(folder, Path.GetFileName(target));
        try
        {
            ArtifactProperties properties;
            FileStream file = ArtifactFiles.CreateNew(temporary);
            await using (file.ConfigureAwait(false))
            {
                properties = await store.GetAsync(key, file, cancellationToken).ConfigureAwait(false);
                if (expected is not null)
                {
                    file.Position = 0;
                    ArtifactDigest actual = await ArtifactDigest.ComputeAsync(file, cancellationToken).ConfigureAwait(false);
                    if (actual != expected)
                    {
                        throw new ArtifactIntegrityException(store.Location, key, expected, actual);
                    }
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
            return properties;
        }
        finally
        {
            File.Delete(temporary); // nothing there once renamed
        }
    }
}
