using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Runs;

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

    /// <summary>
    /// The files that are precision variants of others (<c>encoder.int8.onnx</c> of <c>encoder.onnx</c>), or null when there
    /// are none (and then not written). In a folder a pull wrote, only the chosen precision's variants, without the files
    /// they were made from.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FileVariant>? Variants { get; init; }

    /// <summary>The bytes of all files together.</summary>
    [JsonIgnore]
    public long TotalSize => Files.Sum(file => file.Size);

    /// <summary>The precisions a pull may ask for: <see cref="FileVariant.ReferencePrecision"/>, then its variants' in the order they are listed.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Precisions =>
        [FileVariant.ReferencePrecision, .. (Variants ?? []).Select(variant => variant.Precision).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The manifest of what a pull of <paramref name="precision"/> gets: every file, except that a file with a variant in
    /// that precision is replaced by it, and the variants in other precisions are left out.
    /// </summary>
    /// <exception cref="PrecisionNotFoundException">The version has no variant in <paramref name="precision"/>.</exception>
    public ModelManifest ForPrecision(string precision)
    {
        FileVariant.ValidatePrecision(precision);
        if (!Precisions.Contains(precision, StringComparer.Ordinal))
        {
            throw new PrecisionNotFoundException($"{Name}@{Version}", precision, Precisions);
        }
        FileVariant[] chosen = (Variants ?? []).Where(variant => variant.Precision == precision).ToArray();
        var left = new HashSet<string>((Variants ?? []).Select(variant => variant.Path).Concat(chosen.Select(variant => variant.Of)), StringComparer.Ordinal);
        left.ExceptWith(chosen.Select(variant => variant.Path));
        return this with
        {
            Files = Files.Where(file => !left.Contains(file.Path)).ToArray(),
            Variants = chosen.Length > 0 ? chosen : null,
        };
    }

    /// <summary>
    /// The path of <paramref name="path"/>'s file in <paramref name="precision"/>: itself in the reference precision, else
    /// its variant's; null when this manifest lists no such file.
    /// </summary>
    public string? PathIn(string path, string precision)
    {
        string? found = precision == FileVariant.ReferencePrecision
            ? path
            : Variants?.FirstOrDefault(variant => variant.Of == path && variant.Precision == precision)?.Path;
        return found is not null && Files.Any(file => file.Path == found) ? found : null;
    }

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
            if (file.Size < 0 || !FileDigest.IsSha256(file.Sha256))
            {
                throw new InvalidDataException($"{where} gives {file.Path} a size of {file.Size} and SHA-256 '{file.Sha256}'.");
            }
        }
        if (Files.Select(file => file.Path).Distinct(StringComparer.Ordinal).Count() != Files.Count)
        {
            throw new InvalidDataException($"{where} lists a file twice.");
        }
        ValidateVariants(where);
    }

    private void ValidateVariants(string where)
    {
        if (Variants is null)
        {
            return;
        }
        if (VariantProblem(Files.Select(file => file.Path).ToArray(), Variants, sourcesListed: false) is { } problem)
        {
            throw new InvalidDataException($"{where} lists a variant it may not: {problem}");
        }
        foreach (FileVariant variant in Variants)
        {
            if (Files.FirstOrDefault(file => file.Path == variant.Of) is { } source && source.Sha256 != variant.SourceSha256)
            {
                throw new InvalidDataException($"{where} lists {variant.Path} as a variant of {variant.Of}, which has another SHA-256 than it was made from.");
            }
        }
    }

    /// <summary>
    /// What is wrong with <paramref name="variants"/> of a version of <paramref name="paths"/>, or null: each is one of the
    /// files, in a precision of its own, of a file that is no variant (and, with <paramref name="sourcesListed"/>, one of
    /// the files too), and there is one per file and precision.
    /// </summary>
    internal static string? VariantProblem(IReadOnlyCollection<string> paths, IReadOnlyList<FileVariant> variants, bool sourcesListed)
    {
        var variantPaths = variants.Select(variant => variant?.Path).ToHashSet(StringComparer.Ordinal);
        foreach (FileVariant variant in variants)
        {
            string? problem = variant switch
            {
                null => "a variant is null.",
                { Path: null } or { Of: null } => $"{variant} names no file.",
                _ when !paths.Contains(variant.Path) => $"{variant.Path} is not one of the version's files.",
                _ when sourcesListed && !paths.Contains(variant.Of) => $"{variant.Path} is a variant of {variant.Of}, which is not one of the version's files.",
                _ when variantPaths.Contains(variant.Of) => $"{variant.Path} is a variant of {variant.Of}, itself a variant.",
                _ when !FileVariant.IsPrecision(variant.Precision) || variant.Precision == FileVariant.ReferencePrecision =>
                    $"{variant.Path} has the precision '{variant.Precision}': a variant's is lower-case letters and digits, not {FileVariant.ReferencePrecision}.",
                _ when !FileDigest.IsSha256(variant.SourceSha256) => $"{variant.Path} gives '{variant.SourceSha256}' as its source's SHA-256.",
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }
        return variantPaths.Count != variants.Count || variants.Select(variant => (variant.Of, variant.Precision)).Distinct().Count() != variants.Count
            ? "a file, or a file's precision, has two variants."
            : null;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RunJson.CamelCase);

    /// <summary>Reads a manifest and checks it is <paramref name="name"/>@<paramref name="version"/>'s.</summary>
    /// <exception cref="InvalidDataException">It is not JSON of this shape, or fails <see cref="Validate"/>.</exception>
    public static ModelManifest FromJson(ReadOnlySpan<byte> json, string name, ModelVersion version)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, RunJson.CamelCase);
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
