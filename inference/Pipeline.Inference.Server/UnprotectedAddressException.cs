using Pipeline.Errors;

namespace Pipeline.Inference.Server;

/// <summary>
/// The server was asked to listen on addresses other machines can reach, with no API key and without being told to serve
/// them insecurely: refused before anything binds (the CLIs exit 1, saying how to give a key).
/// </summary>
public sealed class UnprotectedAddressException : UserErrorException
{
    /// <param name="addresses">The addresses other machines can reach.</param>
    public UnprotectedAddressException(IReadOnlyList<string> addresses)
        : base($"{string.Join(", ", addresses)} can be reached from other machines, so the server needs an API key: set "
            + $"{EmbeddingServerOptions.ApiKeyVariable} or give a key file (or serve insecurely, to anyone, at your risk).")
    {
        Addresses = addresses;
    }

    /// <summary>The addresses other machines can reach.</summary>
    public IReadOnlyList<string> Addresses { get; }
}
