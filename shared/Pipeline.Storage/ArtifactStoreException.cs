using Pipeline.Errors;

namespace Pipeline.Storage;

/// <summary>
/// A store operation failed: the message names the store, the operation and the key, says what went wrong and what to
/// do; never a connection string or a key. This type itself means the store could not be reached after every retry (the
/// CLIs exit 75: try again later); subclasses are failures a caller may act on, which a retry will not mend.
/// </summary>
public class ArtifactStoreException : UserErrorException
{
    public ArtifactStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
