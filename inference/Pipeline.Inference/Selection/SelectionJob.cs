using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Classification;
using Pipeline.Runs;

namespace Pipeline.Inference.Selection;

/// <summary>
/// A whole selection round, what <c>pipeline-infer select</c> does and any program may do without a shell: loads the
/// model and the pool at its input shape, runs the model over the pool (or reads its embeddings from the cache), chooses
/// the images to label with the strategy (<see cref="IImageSelector"/>, or <see cref="MarginSelector"/> from a
/// classifier's probabilities) and writes them with the reason for each (<see cref="SelectionFile"/>).
/// </summary>
/// <example>
/// <code>
/// SelectionJobResult round1 = new SelectionJob().Run(new SelectionOptions
/// {
///     Model = "runs/reference/encoder.onnx",
///     Data = DatasetUri.Parse("folder:pool"),
///     Budget = 100,
///     Output = "round1.csv",
/// });
/// </code>
/// </example>
/// <param name="logger">Receives the line that says why the automatic execution provider fell back to the CPU.</param>
public sealed class SelectionJob(ILogger? logger = null)
{
    /// <summary>Chooses the images <paramref name="options"/> ask for and writes them to <see cref="SelectionOptions.Output"/>.</summary>
    /// <param name="options">The model, the pool, the budget, the strategy and the file to write.</param>
    /// <param name="planned">Told what the selection will choose from once the model and the pool are loaded, before any image is run;
    /// it may refuse by throwing, and then nothing is written.</param>
    /// <param name="progress">Receives how many of the pool's images the encoder has embedded (not called when the cache holds them,
    /// nor for a classifier).</param>
    /// <param name="cancellationToken">Stops between batches; nothing is written.</param>
    /// <exception cref="InvalidSettingException">A setting is out of range or conflicts, the output's folder does not exist, the
    /// labelled file cannot be read or names images the pool does not hold, the pool does not fit the model, the budget is more
    /// than the images not yet labelled, or the embedding cache is not one (<see cref="InvalidSettingException.Setting"/> names
    /// which); nothing was written.</exception>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    /// <exception cref="InvalidDataException">The model is not an encoder, or for a margin selection not a classifier.</exception>
    /// <exception cref="DataFormatException">The pool is missing or malformed.</exception>
    public SelectionJobResult Run(SelectionOptions options, Action<SelectionPlan>? planned = null, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        OutputPath.RequireWritable("out", options.Output);
        IReadOnlyList<string>? labelledIds = options.Labelled is { } labelledPath
            ? DataFormatException.AsSetting("labelled", () => ImageIdFile.Read(labelledPath))
            : null;

        using OnnxRuntimeModel model = options.ByClassifier
            ? ImageClassifier.Load(options.Model, options.ModelOptions, logger)
            : EmbeddingModel.Load(options.Model, options.ModelOptions, logger);
        (ImageSet pool, HashSet<int> labelled) = Pool(options, model.InputShape, labelledIds, cancellationToken);
        planned?.Invoke(new SelectionPlan(pool, labelled.Count, (model as EmbeddingModel)?.EmbeddingDim));

        var clock = Stopwatch.StartNew();
        SelectionResult selection;
        EmbeddingPool? embeddings = null;
        bool fromCache = false;
        TimeSpan inference;
        if (model is ImageClassifier classifier)
        {
            float[] probabilities = classifier.Probabilities(pool, options.BatchSize, cancellationToken: cancellationToken);
            inference = clock.Elapsed;
            selection = MarginSelector.Select(probabilities, classifier.ClassNames.Count, options.Budget, labelled, cancellationToken);
        }
        else
        {
            var encoder = (EmbeddingModel)model;
            (float[] vectors, fromCache) = Embed(encoder, pool, options, progress, cancellationToken);
            embeddings = new EmbeddingPool(vectors, encoder.EmbeddingDim);
            inference = clock.Elapsed;
            selection = ImageSelection.Create(options.Strategy, options.Bandwidth).Select(embeddings, options.Budget, labelled, options.Seed, cancellationToken);
        }
        TimeSpan elapsed = clock.Elapsed;
        SelectionFile.Write(options.Output, selection, [.. Enumerable.Range(0, pool.Count).Select(index => ImageIds.Of(pool, index))]);
        return new SelectionJobResult(selection, pool, labelled.Count, embeddings, fromCache, inference, elapsed, options.Output);
    }

    // The pool at the model's input shape and its labelled images, with room for the budget among the others.
    private static (ImageSet Pool, HashSet<int> Labelled) Pool(SelectionOptions options, ImageShape shape, IReadOnlyList<string>? labelledIds,
        CancellationToken cancellationToken)
    {
        ImageSet pool = DatasetLoader.LoadSetting("data", options.Data, shape, cancellationToken);
        var labelled = new HashSet<int>(labelledIds is null
            ? []
            : DataFormatException.AsSetting("labelled", () => ImageIds.Resolve(pool, labelledIds, options.Labelled!)));
        if (options.Budget > pool.Count - labelled.Count)
        {
            throw InvalidSettingException.ForSetting("budget", $"{options.Budget} is more than the {pool.Count - labelled.Count} images of {pool.Source} "
                + $"not yet labelled ({pool.Count} in all, {labelled.Count} labelled): choose at most that many.");
        }
        return (pool, labelled);
    }

    // The pool's embeddings: from the cache when it holds this model's embeddings of these images, else from the model
    // (then written to the cache when one is named).
    private static (float[] Embeddings, bool FromCache) Embed(EmbeddingModel encoder, ImageSet pool, SelectionOptions options, IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        if (options.EmbeddingCache is not { } cache)
        {
            return (encoder.EmbedBytes(pool.Pixels, options.BatchSize, progress, cancellationToken), false);
        }
        string pixels = PoolEmbeddingCache.PixelsSha256(pool.Pixels);
        float[]? stored;
        try
        {
            stored = PoolEmbeddingCache.TryRead(cache, encoder.Sha256, pixels, pool.Count, encoder.EmbeddingDim);
        }
        catch (InvalidDataException error)
        {
            throw InvalidSettingException.ForSetting("embedding-cache", $"{cache} is not an embedding cache ({error.Message}): name a new file, or delete it.", error);
        }
        if (stored is not null)
        {
            return (stored, true);
        }
        float[] embeddings = encoder.EmbedBytes(pool.Pixels, options.BatchSize, progress, cancellationToken);
        PoolEmbeddingCache.Write(cache, embeddings, encoder.EmbeddingDim, encoder.Sha256, pixels);
        return (embeddings, false);
    }
}
