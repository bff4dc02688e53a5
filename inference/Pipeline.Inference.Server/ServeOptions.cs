using Pipeline.Errors;
using Pipeline.Inference.Batching;
using Pipeline.Inference.Registry;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Server;

/// <summary>
/// What a user may set to serve a model (<c>pipeline-infer serve</c>, <see cref="EmbeddingServer.ServeAsync"/>), with
/// every default decided here: <see cref="Resolve"/> reads the API key and the index and turns them into the
/// <see cref="EmbeddingServerOptions"/> the server runs with. A setting's name in errors is the CLI option's without its
/// dashes (<c>poll-seconds</c>).
/// </summary>
public sealed record ServeOptions
{
    /// <summary>How often a registry alias is read for a new version unless told otherwise.</summary>
    public const double DefaultPollSeconds = 30;

    private static readonly EmbeddingServerOptions Defaults = new() { ModelPath = "encoder.onnx" };

    /// <summary>The local encoder.onnx to serve: a file, or the registry version <see cref="RegistryVersion"/> pulled into <see cref="RegistryCache"/>.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The registry version <see cref="ModelPath"/> is, or null for a plain file; when its reference is an alias, the server follows it.</summary>
    public CachedModel? RegistryVersion { get; init; }

    /// <summary>The cache <see cref="RegistryVersion"/> was pulled into, where the versions the alias moves to are pulled.</summary>
    public RegistryModelCache? RegistryCache { get; init; }

    /// <summary>The alias's ETag read before <see cref="RegistryVersion"/> was resolved.</summary>
    public string? AliasETag { get; init; }

    /// <summary>How often the alias is read for a new version (<see cref="DefaultPollSeconds"/> when null); only for a registry alias.</summary>
    public double? PollSeconds { get; init; }

    /// <summary>The model's name in requests: the registry model's name, or the file name without its extension, when null.</summary>
    public string? ModelName { get; init; }

    /// <summary>Addresses to listen on; any but loopback needs an API key.</summary>
    public IReadOnlyList<string> Urls { get; init; } = Defaults.Urls;

    /// <summary>A file holding the API key; null reads <see cref="EmbeddingServerOptions.ApiKeyVariable"/> (<see cref="ApiKeys.Read"/>).</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Serve addresses other than loopback without an API key (a warning is logged).</summary>
    public bool Insecure { get; init; }

    /// <summary>Reload the model when its file changes.</summary>
    public bool Watch { get; init; }

    /// <summary>ONNX Runtime settings of every model loaded.</summary>
    public EmbeddingModelOptions Model { get; init; } = new();

    /// <summary>Most images in one batch.</summary>
    public int BatchSize { get; init; } = Defaults.Batching.MaxBatchSize;

    /// <summary>How long a batch waits to fill after its first request, in milliseconds.</summary>
    public double MaxWaitMs { get; init; } = Defaults.Batching.MaxWait.TotalMilliseconds;

    /// <summary>Images that may wait; more are answered 429 at once.</summary>
    public int QueueCapacity { get; init; } = Defaults.Batching.QueueCapacity;

    /// <summary>Most images in one request, at most <see cref="BatchSize"/>.</summary>
    public int MaxImagesPerRequest { get; init; } = Defaults.MaxImagesPerRequest;

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxRequestBytes { get; init; } = Defaults.MaxRequestBytes;

    /// <summary>Widest and tallest image accepted, before resizing.</summary>
    public int MaxImageSide { get; init; } = Defaults.ImageLimits.MaxWidth;

    /// <summary>An index file (<c>pipeline-infer index build</c>) of the served model for <c>POST /v1/search</c>, or null for none.</summary>
    public string? Index { get; init; }

    /// <summary>The model as the user named it: the registry reference, or the file.</summary>
    public string ModelDescription => RegistryVersion?.Reference.ToString() ?? ModelPath;

    /// <summary>The options the server runs with: the API key read, the index loaded, the alias to follow.</summary>
    /// <exception cref="InvalidSettingException">A poll interval without a registry alias, or an index file that cannot
    /// be read (<see cref="InvalidSettingException.Setting"/> names which).</exception>
    /// <exception cref="FileNotFoundException">The API key file does not exist.</exception>
    public EmbeddingServerOptions Resolve()
    {
        if (PollSeconds is not null && RegistryVersion?.Reference.Alias is null)
        {
            throw InvalidSettingException.ForSetting("poll-seconds", name => $"follows a registry alias: give {name("model")} registry:NAME@ALIAS.");
        }
        return new EmbeddingServerOptions
        {
            ModelPath = ModelPath,
            ModelName = ModelName ?? RegistryVersion?.Reference.Name,
            Registry = RegistryVersion is { Reference.Alias: not null } followed && RegistryCache is { } cache
                ? new RegistryFollowOptions(cache, followed.Reference, followed.Version, AliasETag, TimeSpan.FromSeconds(PollSeconds ?? DefaultPollSeconds))
                {
                    Precision = followed.Precision,
                }
                : null,
            Urls = Urls,
            ApiKey = ApiKeys.Read(ApiKeyFile),
            Insecure = Insecure,
            WatchModelFile = Watch,
            Model = Model,
            Batching = new BatchPolicy(BatchSize, TimeSpan.FromMilliseconds(MaxWaitMs), QueueCapacity),
            MaxImagesPerRequest = MaxImagesPerRequest,
            MaxRequestBytes = MaxRequestBytes,
            ImageLimits = new ImageLimits(MaxImageSide, MaxImageSide),
            Index = Index is { } path ? EmbeddingIndex.LoadSetting("index", path) : null,
        };
    }
}
