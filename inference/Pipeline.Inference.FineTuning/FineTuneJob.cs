using Microsoft.Extensions.Logging;
using Pipeline.Data;
using Pipeline.Data.SafeTensors;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// A whole fine-tune run, what <c>pipeline-infer finetune</c> does and any program may do without a shell: checks the
/// encoder, loads the labelled images, resolves the settings (<see cref="FineTuneJobOptions"/>), generates the artifacts
/// into the run folder (<see cref="FineTuneRunFolder"/>), trains with <see cref="FineTuner"/> writing
/// <c>metrics.jsonl</c> and a checkpoint per epoch, and writes <c>inference_model.onnx</c> and <c>result.json</c>.
/// </summary>
/// <remarks>
/// A resumed run continues from its last finished epoch (from the artifacts' weights when none had finished) and ends
/// with the weights an uninterrupted one reaches. A run whose loss stops being finite cannot finish with its settings,
/// resumed or not, so it leaves nothing: the same request with a lower learning rate starts afresh.
/// </remarks>
/// <param name="logger">Receives the line that says why the automatic execution provider fell back to the CPU.</param>
public sealed class FineTuneJob(ILogger? logger = null)
{
    private const int EmbeddingBatchSize = 256;

    /// <summary>Runs the fine-tune <paramref name="options"/> ask for, to its end.</summary>
    /// <param name="options">The encoder, the data, the run folder and the settings.</param>
    /// <param name="planned">Told what the run will do once the labelled images are loaded, before anything is written.</param>
    /// <param name="progress">Receives every epoch's figures, after they are in <c>metrics.jsonl</c>.</param>
    /// <param name="cancellationToken">Stops after the current step; the last finished epoch's checkpoint stays.</param>
    /// <exception cref="FileNotFoundException">The encoder does not exist.</exception>
    /// <exception cref="InvalidDataException">The encoder is not the one expected, or not an encoder.</exception>
    /// <exception cref="DataFormatException">The data holds no labelled images of two classes or more.</exception>
    /// <exception cref="Errors.InvalidSettingException">A setting is out of range.</exception>
    /// <exception cref="FineTuneRunConflictException">The run folder does not fit the request; nothing was written.</exception>
    /// <exception cref="TrainingDivergedException">The training loss stopped being finite; the run folder was deleted.</exception>
    public FineTuneJobResult Run(FineTuneJobOptions options, Action<FineTunePlan>? planned = null, IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string sha256 = EncoderSha256(options);
        (ImageSet labelled, string[] labelledIds) = LabelledImages(options, cancellationToken);
        FineTuneRecipe recipe = options.RecipeFor(labelled.Count);
        FineTuneConfig config = options.Resolve(recipe, sha256);
        planned?.Invoke(new FineTunePlan(labelled.Count, recipe, config));
        config.Training.Validate();
        var folder = new FineTuneRunFolder(options.Output);
        folder.RequireFits(config, options.Resume);
        if (!options.Resume)
        {
            Start(folder, config, options, labelled, labelledIds, cancellationToken);
        }

        FineTuneResult result;
        FineTuneSummary summary;
        string summaryJson;
        try
        {
            using FineTuner tuner = FineTuner.Open(folder.ArtifactsPath, options.ModelOptions.ExecutionProvider, options.ModelOptions.IntraOpThreads, logger);
            result = Train(tuner, labelled, config, folder, options.Resume, progress, cancellationToken);
            summary = FineTuneSummary.Of(config, result);
            summaryJson = RunJson.OneLine(summary, RunJson.CamelCase);
            tuner.ExportInferenceModel(folder.InferenceModelPath, summaryJson);
        }
        catch (TrainingDivergedException)
        {
            folder.Delete();
            throw;
        }
        AtomicFile.WriteAllText(folder.ResultPath, summaryJson);
        return new FineTuneJobResult(config, labelled.Count, result, summary, folder.InferenceModelPath);
    }

    // The encoder's SHA-256, checked against the one expected.
    private static string EncoderSha256(FineTuneJobOptions options)
    {
        if (!File.Exists(options.Model))
        {
            throw new FileNotFoundException($"{options.Model} does not exist: give the encoder.onnx that pipeline-train export wrote.", options.Model);
        }
        string sha256 = FileDigest.Of(options.Model).Sha256;
        if (options.ModelOptions.ExpectedSha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{options.Model} has SHA-256 {sha256}, not the expected {expected}: it is another or a damaged file; fetch it again.");
        }
        return sha256;
    }

    // The dataset at the encoder's input size, then the subset whose labels may be used (drawn, or listed in a file), and
    // those images' ids.
    private static (ImageSet Labelled, string[] Ids) LabelledImages(FineTuneJobOptions options, CancellationToken cancellationToken)
    {
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(options.Model);
        string data = options.Data.ToString();
        ImageSet images = DatasetLoader.Load(data, new ImageShape(metadata.Channels, metadata.Height, metadata.Width), cancellationToken);
        images.RequireLabels();
        if (images.ClassNames.Count < 2)
        {
            throw new DataFormatException(data, $"has {images.ClassNames.Count} class: a classifier needs at least two (one subfolder per class).");
        }
        int[] indices = options.Labels.Select(images, options.Seed);
        return (images.Select(indices), [.. indices.Select(index => ImageIds.Of(images, index))]);
    }

    // A new run's files: the artifacts (the head standardises its input with the labelled images' embedding statistics),
    // the labelled images' ids, and last the settings, so that a folder with settings has its artifacts to resume from.
    private void Start(FineTuneRunFolder folder, FineTuneConfig config, FineTuneJobOptions options, ImageSet labelled, string[] labelledIds,
        CancellationToken cancellationToken)
    {
        EmbeddingStandardization standardization;
        using (EmbeddingModel model = EmbeddingModel.Load(options.Model, options.ModelOptions, logger))
        {
            standardization = EmbeddingStandardization.Measure(
                model.EmbedBytes(labelled.Pixels, EmbeddingBatchSize, cancellationToken: cancellationToken), model.EmbeddingDim);
        }
        new FineTuneArtifactGenerator().Generate(options.Model, config.ArtifactOptions(labelled.ClassNames, standardization), folder.ArtifactsPath);
        ImageIdFile.Write(folder.LabelledPath, labelledIds);
        folder.WriteConfig(config);
    }

    private static FineTuneResult Train(FineTuner tuner, ImageSet labelled, FineTuneConfig config, FineTuneRunFolder folder, bool resuming,
        IProgress<FineTuneProgress>? progress, CancellationToken cancellationToken)
    {
        // A run stopped in its first epoch has no checkpoint yet: resumed, it starts from the artifacts' initial weights.
        (FineTuneCheckpointState State, SafeTensorsContent Content)? checkpoint =
            resuming && File.Exists(folder.CheckpointPath) ? FineTuneCheckpointFile.Read(folder.CheckpointPath) : null;
        // A killed run may have logged an epoch after its last checkpoint, or half a line: the log keeps the epochs the
        // checkpoint holds, and the resumed run logs the others again.
        int finished = checkpoint?.State.Epoch ?? 0;
        using JsonLinesLog<FineTuneProgress> metrics = JsonLinesLog<FineTuneProgress>.Open(folder.MetricsPath, RunJson.CamelCase,
            keep: epoch => epoch.Epoch <= finished);
        return tuner.FitFrom(labelled, config.Training, folder.CheckpointPath, checkpoint, new LoggedProgress(metrics, progress), cancellationToken);
    }

    // Writes every epoch's figures to metrics.jsonl before the caller sees them.
    private sealed class LoggedProgress(JsonLinesLog<FineTuneProgress> metrics, IProgress<FineTuneProgress>? next) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value)
        {
            metrics.Write(value);
            next?.Report(value);
        }
    }
}
