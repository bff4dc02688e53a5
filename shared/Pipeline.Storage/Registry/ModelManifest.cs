using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Storage.Registry;

/// <summary>
/// <c>models/NAME/VERSION/manifest.json</c>: what a version holds (every file with its size and SHA-256), how good it is
/// (metrics) and where it came from (lineage). Written last and only if absent, so a version exists for readers exactly
/// when its manifest does.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest format this library writes; readers refuse newer ones.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's own file name in a version (and in a pulled folder).</summary>
    public const string FileName = "manifest.json";

    /// <summary>How manifests and aliases are written: camelCase, indented.</summary>
    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    public required ModelVersion Version { get; init; }

    /// <summary>When the version was published.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Identifies the publish that wrote this version (its claim holds the same id).</summary>
    public required string PublishId { get; init; }

    public required IReadOnlyList<ManifestFile> Files { get; init; }

    /// <summary>Evaluation figures, such as <c>knn-100%</c> → accuracy in [0, 1]; may be empty.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    public required ModelLineage Lineage { get; init; }

    /// <summary>The bytes of all files together.</summary>
    [JsonIgnore]
    public long TotalSize => Files.Sum(file => file.Size);

    /// <summary>Throws <see cref="InvalidDataException"/> saying what is wrong, when this cannot be the manifest of <paramref name="name"/>@<paramref name="version"/>.</summary>
    public void Validate(string name, ModelVersion version)
    {
        string where = $"The manifest of {name}@{version}";
        if (FormatVersion > CurrentFormatVersion)
        {
            throw new InvalidDataException($"{where} is format {FormatVersion}, newer than the {CurrentFormatVersion} this build reads: update the pipeline.");
        }
        if (Name != name || Version != version)
        {
            throw new InvalidDataException($"{where} says it is {Name}@{Version}: it was copied or edited by hand; publish the model again.");
        }
        if (Files is not { Count: > 0 } || Lineage is null || Metrics is null || string.IsNullOrEmpty(PublishId))
        {
            throw new InvalidDataException($"{where} lacks its files, metrics, lineage or publish id.");
        }
        foreach (ManifestFile file in Files)
        {
            try
            {
                RegistryLayout.ValidateFilePath(file.Path);
            }
            catch (ArgumentException error)
            {
                throw new InvalidDataException($"{where} lists a file it may not: {error.Message}", error);
            }
            if (file.Size < 0 || !ArtifactDigest.IsSha256(file.Sha256))
            {
                throw new InvalidDataException($"{where} gives {file.Path} a size of {file.Size} and SHA-256 '{file.Sha256}'.");
            }
        }
        if (Files.Select(file => file.Path).Distinct(StringComparer.Ordinal).Count() != Files.Count)
        {
            throw new InvalidDataException($"{where} lists a file twice.");
        }
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    /// <summary>Reads a manifest and checks it is <paramref name="name"/>@<paramref name="version"/>'s.</summary>
    /// <exception cref="InvalidDataException">It is not JSON of this shape, or fails <see cref="Validate"/>.</exception>
    public static ModelManifest FromJson(ReadOnlySpan<byte> json, string name, ModelVersion version)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"The manifest of {name}@{version} is not valid JSON of a manifest: {error.Message}", error);
        }
        if (manifest is null)
        {
            throw new InvalidDataException($"The manifest of {name}@{version} is empty.");
        }
        manifest.Validate(name, version);
        return manifest;
    }
}
