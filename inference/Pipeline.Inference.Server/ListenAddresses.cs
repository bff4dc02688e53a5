using System.Net;
using Pipeline.Errors;

namespace Pipeline.Inference.Server;

/// <summary>Tells loopback addresses from the rest, so that only a server with an API key is exposed beyond this machine.</summary>
public static class ListenAddresses
{
    /// <summary>Whether <paramref name="url"/> listens on loopback only (<c>localhost</c>, 127.0.0.0/8, <c>[::1]</c>).</summary>
    /// <exception cref="InvalidSettingException">The text is not an http:// or https:// URL.</exception>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Kestrel's wildcards (http://*:80, http://+:80) are not valid URIs; they mean every address.
        string normalised = url.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal)
            .Replace("://+", "://wildcard.invalid", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidSettingException($"'{url}' is not an address to listen on: write it like {EmbeddingServerOptions.DefaultUrl}.");
        }
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Throws unless every address is loopback, or there is an API key, or <paramref name="insecure"/> says to serve
    /// without one; returns the non-loopback addresses (for the warning <paramref name="insecure"/> calls for).
    /// </summary>
    /// <exception cref="UnprotectedAddressException">Other machines can reach an address and nothing protects it.</exception>
    public static IReadOnlyList<string> RequireProtection(IReadOnlyList<string> urls, bool hasApiKey, bool insecure)
    {
        ArgumentNullException.ThrowIfNull(urls);
        string[] exposed = urls.Where(url => !IsLoopback(url)).ToArray();
        if (exposed.Length > 0 && !hasApiKey && !insecure)
        {
            throw new UnprotectedAddressException(exposed);
        }
        return exposed;
    }
}
