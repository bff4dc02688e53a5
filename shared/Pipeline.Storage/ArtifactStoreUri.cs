using Azure.Identity;
using Pipeline.Errors;

namespace Pipeline.Storage;

/// <summary>
/// Where a registry lives, parsed: <c>file:PATH</c>, <c>azblob://CONTAINER</c> or
/// <c>https://ACCOUNT.blob.core.windows.net/CONTAINER</c>; one nested record per form, each of which opens its store.
/// </summary>
public abstract record ArtifactStoreUri
{
    /// <summary>The registry every verb uses unless told otherwise: a folder beside the working folder.</summary>
    public const string Default = "file:./registry";

    /// <summary>The environment variable <c>azblob://</c> reads its connection string from.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms =
        "file:PATH (a folder, such as file:./registry), azblob://CONTAINER (connection string from $" + ConnectionStringVariable
        + ") or https://ACCOUNT.blob.core.windows.net/CONTAINER (signed in through DefaultAzureCredential)";

    private const string FileScheme = "file:";
    private const string AzureBlobScheme = "azblob://";

    // Private: the nested records are the only forms.
    private ArtifactStoreUri()
    {
    }

    /// <summary>Parses a store URI; schemes ignore case, paths and container names are kept as written.</summary>
    /// <exception cref="InvalidSettingException">The text is none of <see cref="AcceptedForms"/>, names an invalid container, or a file where a folder belongs.</exception>
    public static ArtifactStoreUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(FileScheme, StringComparison.OrdinalIgnoreCase))
        {
            string path = text[FileScheme.Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                // file:///abs/path has an empty host; file://host/… names another machine, which a folder store cannot reach.
                path = path.StartsWith("///", StringComparison.Ordinal) ? path[2..] : "";
            }
            if (File.Exists(path))
            {
                throw new InvalidSettingException($"'{text}' names the file {Path.GetFullPath(path)}: a file: store is a folder (created when missing).");
            }
            if (path.Length > 0)
            {
                return new FileSystem(path);
            }
        }
        else if (text.StartsWith(AzureBlobScheme, StringComparison.OrdinalIgnoreCase))
        {
            string container = text[AzureBlobScheme.Length..].TrimEnd('/');
            return new AzureBlobContainer(ValidContainer(container, text));
        }
        else if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw new InvalidSettingException(
                    $"'{RedactQuery(text)}' carries a query (a SAS token?): give the container URL alone; access comes from DefaultAzureCredential.");
            }
            string[] segments = uri.AbsolutePath.Trim('/').Split('/');
            if (segments.Length == 1)
            {
                ValidContainer(segments[0], text);
                return new AzureBlobAccount(uri);
            }
        }
        throw new InvalidSettingException($"'{RedactQuery(text)}' is not a store URI; accepted forms: {AcceptedForms}.");
    }

    /// <summary>Opens the store this URI names.</summary>
    /// <param name="options">Transfer sizes and retries.</param>
    /// <param name="environment">Reads an environment variable (default: the process's).</param>
    /// <exception cref="InvalidSettingException">An <c>azblob://</c> URI without its connection string in the environment.</exception>
    public abstract IArtifactStore Open(ArtifactStoreOptions? options = null, Func<string, string?>? environment = null);

    /// <summary>Parses <paramref name="text"/> and opens its store.</summary>
    public static IArtifactStore Open(string text, ArtifactStoreOptions? options = null, Func<string, string?>? environment = null) =>
        Parse(text).Open(options, environment);

    // Azure's rules: 3-63 characters, lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
    private static string ValidContainer(string name, string text)
    {
        bool valid = name.Length is >= 3 and <= 63
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
        return valid
            ? name
            : throw new InvalidSettingException(
                $"'{RedactQuery(text)}': '{name}' is not a container name; use 3-63 lower-case letters, digits and single hyphens, such as azblob://models.");
    }

    private static string RedactQuery(string text) => text.IndexOf('?') is var query and >= 0 ? text[..query] + "?…" : text;

    /// <summary>A folder (<c>file:./registry</c>, <c>file:/srv/registry</c>, <c>file:///srv/registry</c>).</summary>
    public sealed record FileSystem(string Path) : ArtifactStoreUri
    {
        public override IArtifactStore Open(ArtifactStoreOptions? options = null, Func<string, string?>? environment = null) =>
            new FileSystemArtifactStore(Path, options);

        public override string ToString() => FileScheme + Path;
    }

    /// <summary>A container reached with the connection string in <see cref="ConnectionStringVariable"/> (Azure or Azurite).</summary>
    public sealed record AzureBlobContainer(string Container) : ArtifactStoreUri
    {
        public override IArtifactStore Open(ArtifactStoreOptions? options = null, Func<string, string?>? environment = null)
        {
            string? connectionString = (environment ?? Environment.GetEnvironmentVariable)(ConnectionStringVariable);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidSettingException(
                    $"{this} needs a storage connection string in ${ConnectionStringVariable}, which is not set. Export it (Azure portal → "
                    + "storage account → Access keys), or use https://ACCOUNT.blob.core.windows.net/{Container} to sign in with Entra ID instead.");
            }
            return AzureBlobArtifactStore.FromConnectionString(connectionString, Container, options);
        }

        public override string ToString() => AzureBlobScheme + Container;
    }

    /// <summary>A container reached by its URL, signed in through <see cref="DefaultAzureCredential"/> (environment, managed identity, az login…).</summary>
    public sealed record AzureBlobAccount(Uri ContainerUri) : ArtifactStoreUri
    {
        public override IArtifactStore Open(ArtifactStoreOptions? options = null, Func<string, string?>? environment = null) =>
            AzureBlobArtifactStore.FromContainerUri(ContainerUri, new DefaultAzureCredential(), options);

        public override string ToString() => ContainerUri.ToString();
    }
}
