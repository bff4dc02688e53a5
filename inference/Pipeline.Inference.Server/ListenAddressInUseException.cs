using Pipeline.Errors;

namespace Pipeline.Inference.Server;

/// <summary>
/// An address the server was asked to listen on is taken, most likely by another server on that port: a user error a
/// retry will not mend until that server stops (the CLIs exit 1).
/// </summary>
public sealed class ListenAddressInUseException : UserErrorException
{
    /// <param name="urls">The addresses asked for.</param>
    /// <param name="innerException">Kestrel's error.</param>
    public ListenAddressInUseException(IReadOnlyList<string> urls, Exception innerException)
        : base($"{string.Join(" ", urls)}: the address is already in use (another server on that port?): stop it, or listen on another address.",
            innerException)
    {
        Urls = urls;
    }

    /// <summary>The addresses asked for.</summary>
    public IReadOnlyList<string> Urls { get; }
}
