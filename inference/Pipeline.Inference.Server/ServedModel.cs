using Microsoft.Extensions.Logging;
using Pipeline.Errors;

namespace Pipeline.Inference.Server;

/// <summary>
/// The model a server serves under one name, and its replacement without downtime: a new version is loaded, checked
/// (hash, same input shape and embedding width, a warm-up run) and swapped in atomically; calls already running
/// finish on the old model, which is disposed once they have (<see cref="OnnxRuntimeModel.Dispose"/> waits for them).
/// </summary>
/// <remarks>Thread-safe: <see cref="Current"/> is a volatile read; reloads run one at a time.</remarks>
public sealed class ServedModel : IDisposable
{
    private readonly EmbeddingModelOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private EmbeddingModel _current;

    private ServedModel(string name, EmbeddingModel model, EmbeddingModelOptions options, ILogger logger)
    {
        Name = name;
        _current = model;
        _options = options;
        _logger = logger;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The name clients ask for in requests.</summary>
    public string Name { get; }

    /// <summary>The model serving now.</summary>
    public EmbeddingModel Current => Volatile.Read(ref _current);

    /// <summary>When the model serving now was swapped in.</summary>
    public DateTimeOffset LoadedAt { get; private set; }

    /// <summary>Loads and warms up the model at <paramref name="path"/>, to be served as <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The model is unusable; the message says why.</exception>
    public static ServedModel Load(string name, string path, EmbeddingModelOptions options, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        EmbeddingModel model = LoadVerified(path, options, logger, previous: null);
        logger.LogInformation("Serving {Path} as '{Name}' on {Provider}: {Shape} → {Dim}, {Precision}, SHA-256 {Sha256}.",
            model.Source, name, model.ExecutionProvider.ToString().ToLowerInvariant(), model.InputShape, model.EmbeddingDim, model.Precision, model.Sha256);
        return new ServedModel(name, model, options, logger);
    }

    /// <summary>
    /// Loads the model at <paramref name="path"/> (default: the one served), checks it and swaps it in; a model that fails
    /// any check is refused with the reason logged, and the old one keeps serving.
    /// </summary>
    /// <returns>The model served now, and the SHA-256 of the one it replaced.</returns>
    /// <exception cref="InvalidDataException">The new model was refused; the message says why.</exception>
    public async Task<(EmbeddingModel Now, string PreviousSha256)> ReloadAsync(string? path = null, string? expectedSha256 = null,
        CancellationToken cancellationToken = default)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EmbeddingModel previous = Current;
            string source = path ?? previous.Source;
            EmbeddingModel next;
            try
            {
                next = await Task.Run(() => LoadVerified(source, _options with { ExpectedSha256 = expectedSha256 }, _logger, previous),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is InvalidDataException or FileNotFoundException or IOException
                or UnauthorizedAccessException or UserErrorException)
            {
                _logger.LogWarning("Refused to reload '{Name}' from {Path}; still serving SHA-256 {Sha256}: {Reason}",
                    Name, source, previous.Sha256, error.Message);
                throw new InvalidDataException(error.Message, error);
            }
            Volatile.Write(ref _current, next);
            LoadedAt = DateTimeOffset.UtcNow;
            _logger.LogInformation("Reloaded '{Name}' from {Path}: SHA-256 {Previous} → {Sha256}.", Name, next.Source, previous.Sha256, next.Sha256);
            // Calls that took the old model before the swap finish on it; Dispose waits for them off this thread.
            _ = Task.Run(previous.Dispose, CancellationToken.None);
            return (next, previous.Sha256);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Disposes the model serving now (waiting for its calls in flight).</summary>
    public void Dispose()
    {
        Current.Dispose();
        _reloading.Dispose();
    }

    private static EmbeddingModel LoadVerified(string path, EmbeddingModelOptions options, ILogger logger, EmbeddingModel? previous)
    {
        EmbeddingModel model = EmbeddingModel.Load(path, options, logger);
        try
        {
            if (previous is not null && (model.InputShape != previous.InputShape || model.EmbeddingDim != previous.EmbeddingDim))
            {
                throw new InvalidDataException(
                    $"{path} reads {model.InputShape} and writes {model.EmbeddingDim} floats, but the served model reads "
                    + $"{previous.InputShape} and writes {previous.EmbeddingDim}: clients depend on both, so restart the server to change them.");
            }
            model.WarmUp();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
