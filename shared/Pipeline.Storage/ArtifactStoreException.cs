namespace Pipeline.Storage;

/// <summary>
/// A store operation failed: the message names the store, the operation and the key, says what went wrong and what to
/// do; never a connection string or a key. Subclasses say which failures a caller may act on.
/// </summary>
public class ArtifactStoreException : Exception
{
    public ArtifactStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
