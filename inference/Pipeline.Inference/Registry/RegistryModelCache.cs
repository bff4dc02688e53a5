using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Registry;

/// <summary>
/// Registry versions kept on local disk for ONNX Runtime to load: <c>CACHE/NAME/VERSION/</c>, pulled once (every file
/// verified by <see cref="ModelRegistry.PullAsync"/>) and reused while its manifest is there.
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
    /// The local encoder.onnx of the version <paramref name="reference"/> names now, pulling it when the cache lacks it.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    /// <exception cref="InvalidDataException">The version holds no encoder.onnx.</exception>
    public async Task<CachedModel> GetAsync(ModelReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ModelVersion version = await Registry.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        string folder = VersionFolder(reference.Name, version);
        string manifestPath = Path.Combine(folder, ModelManifest.FileName);
        // A pull writes the manifest last, after every file is verified: a folder with one is complete.
        ModelManifest manifest = File.Exists(manifestPath)
            ? ModelManifest.FromJson(await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false), reference.Name, version)
            : (await Registry.PullAsync(ModelReference.ForVersion(reference.Name, version), folder, cancellationToken).ConfigureAwait(false)).Manifest;
        ManifestFile encoder = manifest.Files.SingleOrDefault(file => file.Path == EncoderFileName)
            ?? throw new InvalidDataException(
                $"{reference.Name}@{version} holds no {EncoderFileName} (it holds {string.Join(", ", manifest.Files.Select(f => f.Path))}): publish a run that was exported.");
        return new CachedModel(reference, version, Path.Combine(folder, EncoderFileName), encoder.Sha256);
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
