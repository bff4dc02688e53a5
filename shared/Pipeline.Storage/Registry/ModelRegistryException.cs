using Pipeline.Errors;

namespace Pipeline.Storage.Registry;

/// <summary>The registry refused an operation (a version an alias still names, an alias that moved meanwhile…); the message says why and what to do.</summary>
public class ModelRegistryException : UserErrorException
{
    public ModelRegistryException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
