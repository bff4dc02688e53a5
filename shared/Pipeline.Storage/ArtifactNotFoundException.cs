namespace Pipeline.Storage;

/// <summary>Nothing is stored under the key that was read.</summary>
public sealed class ArtifactNotFoundException : ArtifactStoreException
{
    public ArtifactNotFoundException(string location, string key, Exception? innerException = null)
        : base($"{location}: nothing is stored under '{key}'.", innerException)
    {
        Key = key;
    }

    /// <summary>The key that was read.</summary>
    public string Key { get; }
}
