namespace Pipeline.Storage.Registry;

/// <summary>
/// Where the registry keeps things in a store:
/// <code>
/// models/NAME/vN/FILES…            a version's files, immutable
/// models/NAME/vN/claim.json        who took the number vN (written first, create-only)
/// models/NAME/vN/manifest.json     the version's manifest (written last, create-only)
/// models/NAME/aliases/ALIAS.json   an alias: the version it names, and its history
/// </code>
/// </summary>
public static class RegistryLayout
{
    /// <summary>The folder every model is under.</summary>
    public const string ModelsPrefix = "models/";

    /// <summary>The claim a publish writes before any file of the version it takes.</summary>
    public const string ClaimFileName = "claim.json";

    private const string AliasFolder = "aliases";
    private const string AliasExtension = ".json";

    public static string ModelPrefix(string name) => ModelsPrefix + name + "/";

    public static string VersionPrefix(string name, ModelVersion version) => ModelPrefix(name) + version + "/";

    public static string FileKey(string name, ModelVersion version, string path) => VersionPrefix(name, version) + path;

    public static string ManifestKey(string name, ModelVersion version) => FileKey(name, version, ModelManifest.FileName);

    public static string ClaimKey(string name, ModelVersion version) => FileKey(name, version, ClaimFileName);

    public static string AliasPrefix(string name) => ModelPrefix(name) + AliasFolder + "/";

    /// <summary>The blob of an alias: poll its ETag (<see cref="IArtifactStore.GetPropertiesAsync"/>) to notice a promotion cheaply.</summary>
    public static string AliasKey(string name, string alias) => AliasPrefix(name) + alias + AliasExtension;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> may name a file in a version.</summary>
    public static string ValidateFilePath(string path)
    {
        ArtifactKey.Validate(path);
        if (path is ModelManifest.FileName or ClaimFileName)
        {
            throw new ArgumentException($"'{path}' is the registry's own file in a version; name the file otherwise.");
        }
        return path;
    }

    /// <summary>Splits <c>models/NAME/vN/REST</c>; false for any other key (aliases included).</summary>
    public static bool TryParseVersionKey(string key, out string name, out ModelVersion version, out string rest)
    {
        ArgumentNullException.ThrowIfNull(key);
        name = rest = "";
        version = default;
        if (!key.StartsWith(ModelsPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        string[] parts = key[ModelsPrefix.Length..].Split('/', 3);
        if (parts.Length != 3 || !ModelVersion.TryParse(parts[1], out version))
        {
            return false;
        }
        name = parts[0];
        rest = parts[2];
        return true;
    }

    /// <summary>The alias an alias key names, or null for any other key.</summary>
    public static string? AliasOf(string name, string key)
    {
        string prefix = AliasPrefix(name);
        return key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(AliasExtension, StringComparison.Ordinal)
            ? key[prefix.Length..^AliasExtension.Length]
            : null;
    }
}
