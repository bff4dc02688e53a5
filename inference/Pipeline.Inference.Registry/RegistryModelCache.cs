using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Registry;

/// <summary>
/// Registry versions kept on local disk for ONNX Runtime to load: <c>CACHE/NAME/VERSION/PRECISION/</c>, each precision
/// pulled once (every file verified by <see cref="ModelRegistry.PullAsync"/>) and reused while its manifest is there.
/// </summary>
public sealed class RegistryModelCache
{
    /// <summary>The file of a version that holds the embedding model.</summary>
    public const string EncoderFileName = "encoder.onnx";

    /// <summary>How many versions of one model the cache keeps after <see cref="Prune"/>.</summary>
    public const int VersionsKept = 2;

    public RegistryModelCache(ModelRegistry registry, string directory)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Registry = registry;
        Directory = Path.GetFullPath(directory);
    }

    public ModelRegistry Registry { get; }

    /// <summary>The cache's folder.</summary>
    public string Directory { get; }

    /// <summary>The default cache folder: <c>$XDG_CACHE_HOME/pipeline/models</c>, else <c>~/.cache/pipeline/models</c>.</summary>
    public static string DefaultDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "pipeline", "models");
        }
    }

    /// <summary>
    /// The local encoder.onnx, or its variant in <paramref name="precision"/>, of the version <paramref name="reference"/>
    /// names now, pulling that precision of the version when the cache lacks it.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    /// <exception cref="PrecisionNotFoundException">The version has no variant in <paramref name="precision"/>.</exception>
    /// <exception cref="InvalidDataException">The version holds no encoder.onnx in that precision.</exception>
    public async Task<CachedModel> GetAsync(ModelReference reference, string precision = FileVariant.ReferencePrecision,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        FileVariant.ValidatePrecision(precision);
        ModelVersion version = await Registry.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        string folder = Path.Combine(VersionFolder(reference.Name, version), precision);
        string manifestPath = Path.Combine(folder, ModelManifest.FileName);
        // A pull writes the manifest last, after every file is verified: a folder with one is complete.
        ModelManifest manifest = File.Exists(manifestPath)
            ? ModelManifest.FromJson(await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false), reference.Name, version)
            : (await Registry.PullAsync(ModelReference.ForVersion(reference.Name, version), folder, precision, cancellationToken).ConfigureAwait(false)).Manifest;
        string path = manifest.PathIn(EncoderFileName, precision)
            ?? throw new InvalidDataException(
                $"{reference.Name}@{version} holds no {EncoderFileName} in {precision} (it holds {string.Join(", ", manifest.Files.Select(f => f.Path))}): publish a run that was exported.");
        ManifestFile encoder = manifest.Files.Single(file => file.Path == path);
        return new CachedModel(reference, version, precision, Path.Combine(folder, path), encoder.Sha256);
    }

    /// <summary>Deletes the cached versions of <paramref name="name"/> but the newest <see cref="VersionsKept"/> and <paramref name="inUse"/>.</summary>
    public void Prune(string name, ModelVersion inUse)
    {
        string modelFolder = Path.Combine(Directory, ModelNames.ValidateModel(name));
        if (!System.IO.Directory.Exists(modelFolder))
        {
            return;
        }
        var versions = new List<(ModelVersion Version, string Folder)>();
        foreach (string folder in System.IO.Directory.GetDirectories(modelFolder))
        {
            if (ModelVersion.TryParse(Path.GetFileName(folder), out ModelVersion version))
            {
                versions.Add((version, folder));
            }
        }
        foreach ((ModelVersion version, string folder) in versions.OrderByDescending(v => v.Version).Skip(VersionsKept))
        {
            if (version != inUse)
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }
    }

    private string VersionFolder(string name, ModelVersion version) => Path.Combine(Directory, name, version.ToString());
}
