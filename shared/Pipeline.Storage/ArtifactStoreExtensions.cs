using Pipeline.Runs;

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
    /// Downloads <paramref name="key"/> to <paramref name="path"/> whole or not at all (<see cref="AtomicFile"/>), checked
    /// against <paramref name="expected"/> when given before it is renamed over the path. On any failure
    /// <paramref name="path"/> is left as it was.
    /// </summary>
    /// <returns>The properties of the version downloaded.</returns>
    /// <exception cref="ArtifactIntegrityException">The bytes are not the expected size or SHA-256.</exception>
    /// <exception cref="ArtifactNotFoundException">Nothing is stored under the key.</exception>
    public static async Task<ArtifactProperties> GetFileAsync(this IArtifactStore store, string key, string path,
        FileDigest? expected = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ArtifactProperties? properties = null;
        await AtomicFile.WriteAsync(path, async (file, token) =>
        {
            properties = await store.GetAsync(key, file, token).ConfigureAwait(false);
            if (expected is not null)
            {
                file.Position = 0;
                FileDigest actual = await FileDigest.OfAsync(file, token).ConfigureAwait(false);
                if (actual != expected)
                {
                    throw new ArtifactIntegrityException(store.Location, key, expected, actual);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return properties!;
    }
}
