using Pipeline.Runs;

namespace Pipeline.Storage;

/// <summary>A downloaded blob is not the one its manifest describes (size or SHA-256 differ); nothing was left at the destination.</summary>
public sealed class ArtifactIntegrityException : ArtifactStoreException
{
    public ArtifactIntegrityException(string location, string key, FileDigest expected, FileDigest actual)
        : base($"{location}: '{key}' is {actual.Length} bytes with SHA-256 {actual.Sha256}, but {expected.Length} bytes with SHA-256 "
            + $"{expected.Sha256} were expected: the stored copy is corrupt or was replaced. Nothing was written; publish the model again.")
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Key = key;
        Expected = expected;
        Actual = actual;
    }

    public string Key { get; }

    public FileDigest Expected { get; }

    public FileDigest Actual { get; }
}
