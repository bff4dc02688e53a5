using Pipeline.Errors;
using Pipeline.Inference.Batching;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Server;

/// <summary>Everything <see cref="EmbeddingServer"/> needs: the model, where to listen, who may call, and the limits.</summary>
public sealed record EmbeddingServerOptions
{
    /// <summary>The loopback address served when none is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>The environment variable an API key is read from.</summary>
    public const string ApiKeyVariable = "PIPELINE_API_KEY";

    /// <summary>The encoder.onnx to serve.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The name clients use in requests; the file name without its extension when null.</summary>
    public string? ModelName { get; init; }

    /// <summary>Addresses to listen on; port 0 picks a free port (read it from <see cref="EmbeddingServer.Urls"/>).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>
    /// The key callers must send as <c>Authorization: Bearer KEY</c>, or null for none. Without one the server binds
    /// only loopback addresses, unless <see cref="Insecure"/>.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>Serve non-loopback addresses without an API key (a warning is logged).</summary>
    public bool Insecure { get; init; }

    /// <summary>Reload the model when its file changes.</summary>
    public bool WatchModelFile { get; init; }

    /// <summary>Follow a registry alias: the model at <see cref="ModelPath"/> is its version at start.</summary>
    public RegistryFollowOptions? Registry { get; init; }

    /// <summary>ONNX Runtime settings of every model loaded.</summary>
    public EmbeddingModelOptions Model { get; init; } = new();

    /// <summary>
    /// Batch size, batch wait, queue capacity. No wait by default: an idle model runs a request at once, and requests that
    /// arrive while a batch runs form the next one, so batching happens only under load (bench/results/inference_server.md:
    /// at one client p50 0.9 ms against 4.2 ms with a 2 ms wait, and more throughput at 32 clients too).
    /// </summary>
    public BatchPolicy Batching { get; init; } = new(MaxBatchSize: 32, MaxWait: TimeSpan.Zero, QueueCapacity: 256);

    /// <summary>Most images in one request; at most <see cref="BatchPolicy.MaxBatchSize"/>.</summary>
    public int MaxImagesPerRequest { get; init; } = 32;

    /// <summary>Largest request body, in bytes (413 above it).</summary>
    public long MaxRequestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest image accepted, before resizing.</summary>
    public ImageLimits ImageLimits { get; init; } = ImageLimits.Default;

    /// <summary>
    /// The index <c>POST /v1/search</c> looks queries up in, built with the served model; null for none (searches are a
    /// 404). Only searched, never changed, while the server runs.
    /// </summary>
    public EmbeddingIndex? Index { get; init; }

    /// <summary>The most entries one search may ask for (<c>top_k</c>).</summary>
    public int MaxTopK { get; init; } = 1000;

    /// <summary>The name served: <see cref="ModelName"/>, or the model file's name without its extension.</summary>
    public string ServedName => ModelName ?? Path.GetFileNameWithoutExtension(ModelPath);

    /// <summary>Throws when options contradict each other or cannot work, saying which and what to do.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ModelPath);
        InvalidSettingException.ThrowUnless(Batching.MaxBatchSize >= 1, "batch-size", "must be at least 1 image", Batching.MaxBatchSize);
        InvalidSettingException.ThrowUnless(Batching.MaxWait >= TimeSpan.Zero, "max-wait-ms", "must be 0 or more", Batching.MaxWait.TotalMilliseconds);
        if (Batching.QueueCapacity < Batching.MaxBatchSize)
        {
            throw InvalidSettingException.ForSetting("queue-capacity", name =>
                $"must hold at least one full batch of {name("batch-size")} {Batching.MaxBatchSize} images, not {Batching.QueueCapacity}.");
        }
        Batching.Validate();
        if (MaxImagesPerRequest < 1 || MaxImagesPerRequest > Batching.MaxBatchSize)
        {
            throw InvalidSettingException.ForSetting("max-images-per-request", name =>
                $"must be between 1 and {name("batch-size")} {Batching.MaxBatchSize}, not {MaxImagesPerRequest}.");
        }
        InvalidSettingException.ThrowUnless(MaxRequestBytes >= 1024, "max-request-bytes", "must be at least 1024 bytes", MaxRequestBytes);
        if (Urls.Count == 0)
        {
            throw new InvalidSettingException($"Give at least one address to listen on, such as {DefaultUrl}.");
        }
        if (string.IsNullOrWhiteSpace(ServedName))
        {
            throw new InvalidSettingException("The model's name is empty: give it a name to be served under.");
        }
        if (Registry is not null && WatchModelFile)
        {
            throw new InvalidSettingException("Watching follows a model file; a registry model follows its alias already: do not watch it.");
        }
        if (Registry is { PollInterval: var interval } && interval <= TimeSpan.Zero)
        {
            throw new InvalidSettingException($"The registry poll interval must be positive, not {interval}.");
        }
        if (MaxTopK < 1)
        {
            throw new InvalidSettingException($"The most entries a search may ask for ({MaxTopK}) must be at least 1.");
        }
        ApiKeys.Validate(ApiKey);
    }
}
