using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Classification;
using Pipeline.Data.SafeTensors;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// Trains the head (and the unfrozen layers) of an encoder from fine-tune artifacts with ONNX Runtime alone, and
/// exports the result as <c>inference_model.onnx</c>.
/// </summary>
/// <remarks>
/// <para><see cref="Fit"/> holds out a stratified validation split, runs the frozen prefix once per image when the
/// artifacts take features (so an epoch costs only the trainable part), draws shuffled or class-balanced mini-batches,
/// follows a warm-up + cosine learning-rate schedule, keeps the weights of the epoch with the lowest validation loss
/// and stops when it has not improved for a while, and writes a checkpoint after every epoch (the trained values and a
/// <see cref="FineTuneCheckpointState"/>) from which <see cref="Fit"/> resumes to the same weights an uninterrupted
/// run reaches. A whole run — data, settings, run folder — is <see cref="FineTuneJob"/>'s.</para>
/// <para>Steps run through <see cref="TrainingStepRunner"/>'s ping-ponging I/O bindings. Not thread-safe: one
/// training loop at a time. Owns its sessions (<see cref="FineTuneSessions"/>); dispose it.</para>
/// </remarks>
public sealed class FineTuner : IDisposable
{
    private readonly string _directory;
    private readonly FineTuneSessions _sessions;
    private readonly TrainingStepRunner _runner;
    private bool _disposed;

    private FineTuner(string directory, ArtifactsManifest manifest, FineTuneSessions sessions, IReadOnlyDictionary<string, float[]> checkpoint, long step)
    {
        _directory = directory;
        Manifest = manifest;
        _sessions = sessions;
        _runner = new TrainingStepRunner(sessions.Training, manifest, sessions.RunOptions, checkpoint);
        Step = step;
    }

    /// <summary>The artifacts' manifest.</summary>
    public ArtifactsManifest Manifest { get; }

    /// <summary>Updates made so far.</summary>
    public long Step { get; private set; }

    /// <summary>Floats per example of the graphs' input: the frozen prefix's output, or the pixels.</summary>
    public int InputSize => _runner.InputSize;

    /// <summary>Opens an artifact folder: checks every file against <c>artifacts.json</c>, loads the graphs and the checkpoint.</summary>
    /// <param name="directory">The folder <see cref="FineTuneArtifactGenerator"/> wrote.</param>
    /// <param name="provider">Where ONNX Runtime runs.</param>
    /// <param name="threads">Threads per run; 0 is every core.</param>
    /// <param name="logger">Receives the line that says why <see cref="ExecutionProvider.Auto"/> fell back to CPU.</param>
    /// <exception cref="FileNotFoundException">The folder is not an artifact folder or lacks a file.</exception>
    /// <exception cref="InvalidDataException">A file differs from its recorded hash or does not load.</exception>
    public static FineTuner Open(string directory, ExecutionProvider provider = ExecutionProvider.Cpu, int threads = 0, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArtifactsManifest manifest = ArtifactsManifest.Read(directory);
        FineTuneSessions sessions = FineTuneSessions.Open(directory, manifest,
            new EmbeddingModelOptions { ExecutionProvider = provider, IntraOpThreads = threads }, logger);
        try
        {
            SafeTensorsContent checkpoint = SafeTensorsFile.Read(Path.Combine(directory, ArtifactsManifest.CheckpointFile));
            return new FineTuner(Path.GetFullPath(directory), manifest, sessions, FineTuneCheckpointFile.Values(checkpoint, manifest.TrainedValues),
                FineTuneCheckpointState.StepOf(checkpoint));
        }
        catch
        {
            sessions.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the frozen prefix over every image of <paramref name="images"/> (bytes scaled to [0, 1]) and returns the
    /// features, [N, <see cref="InputSize"/>] row-major.
    /// </summary>
    /// <exception cref="InvalidOperationException">The artifacts take pixels: there is no frozen prefix to cache.</exception>
    public float[] ExtractFeatures(ImageSet images, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        InferenceSession frozen = _sessions.Frozen ?? throw new InvalidOperationException(
            "These artifacts take pixels (generated for augmentation), so they have no frozen prefix whose output could be cached.");
        RequirePixelShape(images);
        float[] features = new float[checked(images.Count * InputSize)];
        float[] pixels = new float[Math.Min(batchSize, images.Count) * images.ImageSize];
        string[] inputs = [ArtifactsManifest.PixelsInput], outputs = [ArtifactsManifest.FeaturesInput];
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, images.Count - start);
            PixelScaling.ToUnitRange(images.Pixels.AsSpan(start * images.ImageSize, count * images.ImageSize), pixels);
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(0, count * images.ImageSize),
                [count, images.Channels, images.Height, images.Width]);
            using OrtValue output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                features.AsMemory(start * InputSize, count * InputSize), [count, .. Manifest.InputShape]);
            frozen.Run(_sessions.RunOptions, inputs, [input], outputs, [output]);
        }
        return features;
    }

    /// <summary>
    /// One training step on a batch of <paramref name="labels"/>.Length examples (<paramref name="batch"/> is
    /// [n, <see cref="InputSize"/>] of the graphs' input); returns the batch's loss before the update.
    /// </summary>
    public float TrainStep(ReadOnlySpan<float> batch, ReadOnlySpan<long> labels, float learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int count = labels.Length;
        if (count == 0 || batch.Length != count * InputSize)
        {
            throw new ArgumentException($"A batch of {count} labels needs {count} x {InputSize} inputs, not {batch.Length}.", nameof(batch));
        }
        RequireLabels(labels);
        batch.CopyTo(_runner.Batch(count));
        labels.CopyTo(_runner.Labels(count));
        return RunStep(count, learningRate);
    }

    /// <summary>
    /// Runs the evaluation graph on a batch at the current weights: writes the logits ([n, C]) and returns the mean loss.
    /// </summary>
    public float Evaluate(ReadOnlyMemory<float> batch, ReadOnlyMemory<long> labels, Memory<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int count = labels.Length, classes = Manifest.ClassNames.Count;
        if (count == 0 || batch.Length != count * InputSize || logits.Length != count * classes)
        {
            throw new ArgumentException(
                $"A batch of {count} labels needs {count} x {InputSize} inputs and room for {count} x {classes} logits, not {batch.Length} and {logits.Length}.");
        }
        RequireLabels(labels.Span);
        float[] loss = new float[1];
        var inputs = new List<OrtValue>();
        try
        {
            inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, System.Runtime.InteropServices.MemoryMarshal.AsMemory(batch),
                [count, .. Manifest.InputShape]));
            inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, System.Runtime.InteropServices.MemoryMarshal.AsMemory(labels), [count]));
            string[] names = [Manifest.Input, ArtifactsManifest.LabelsInput, .. Manifest.Parameters.Select(parameter => parameter.Name)];
            OrtValue[] values = [.. inputs, .. Manifest.Parameters.Select(parameter => _runner.CurrentValue(parameter.Name))];
            using OrtValue logitsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits, [count, classes]);
            using OrtValue lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
            _sessions.Evaluation.Run(_sessions.RunOptions, names, values, [ArtifactsManifest.LogitsOutput, ArtifactsManifest.LossOutput], [logitsValue, lossValue]);
        }
        finally
        {
            inputs.ForEach(value => value.Dispose());
        }
        return loss[0];
    }

    /// <summary>A copy of every parameter's current value, by name.</summary>
    public Dictionary<string, float[]> Parameters() =>
        Manifest.Parameters.ToDictionary(parameter => parameter.Name, parameter => (float[])_runner.Current(parameter.Name).Clone(), StringComparer.Ordinal);

    /// <summary>
    /// Trains on the labelled <paramref name="images"/> as <paramref name="options"/> say (see the class remarks) and
    /// leaves the kept weights in this fine-tuner.
    /// </summary>
    /// <param name="images">Labelled images of the encoder's input shape, labels indexing the manifest's class names.</param>
    /// <param name="options">Epochs, batches, schedule, sampling, validation.</param>
    /// <param name="checkpointPath">Where to write the state after every epoch; null writes none.</param>
    /// <param name="resume">Continue from <paramref name="checkpointPath"/> instead of the artifacts' initial weights.</param>
    /// <param name="progress">Receives every epoch's figures.</param>
    /// <param name="cancellationToken">Stops after the current step; the last finished epoch's checkpoint stays.</param>
    /// <exception cref="InvalidSettingException">The images do not fit the artifacts or the options are out of range.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume belongs to other artifacts or other options.</exception>
    /// <exception cref="TrainingDivergedException">The training loss stopped being finite.</exception>
    public FineTuneResult Fit(ImageSet images, FineTuneOptions options, string? checkpointPath = null, bool resume = false,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (resume && checkpointPath is null)
        {
            throw new ArgumentException("Resuming needs the checkpoint path.", nameof(checkpointPath));
        }
        return FitFrom(images, options, checkpointPath, resume ? FineTuneCheckpointFile.Read(checkpointPath!) : null, progress, cancellationToken);
    }

    /// <summary>
    /// Trains as <see cref="Fit"/> does, resuming from <paramref name="resumeFrom"/>, the checkpoint the caller read from <paramref name="checkpointPath"/>
    /// (<see cref="FineTuneCheckpointFile.Read"/>), or from the artifacts' initial weights when it is null.
    /// </summary>
    /// <param name="images">Labelled images of the encoder's input shape, labels indexing the manifest's class names.</param>
    /// <param name="options">Epochs, batches, schedule, sampling, validation.</param>
    /// <param name="checkpointPath">Where to write the state after every epoch; null writes none.</param>
    /// <param name="resumeFrom">The checkpoint to continue from, as read; null starts afresh.</param>
    /// <param name="progress">Receives every epoch's figures.</param>
    /// <param name="cancellationToken">Stops after the current step; the last finished epoch's checkpoint stays.</param>
    /// <exception cref="InvalidSettingException">The images do not fit the artifacts or the options are out of range.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume belongs to other artifacts or other options.</exception>
    /// <exception cref="TrainingDivergedException">The training loss stopped being finite.</exception>
    internal FineTuneResult FitFrom(ImageSet images, FineTuneOptions options, string? checkpointPath,
        (FineTuneCheckpointState State, SafeTensorsContent Content)? resumeFrom, IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options.Validate();
        if (options.Augments && Manifest.CachesFeatures)
        {
            throw new InvalidSettingException(
                "Cropping or flipping images changes the frozen prefix's output, which these artifacts cache: generate artifacts that take pixels (no feature caching) to augment.");
        }
        RequirePixelShape(images);
        int[] labels = images.RequireLabels();
        int classes = Manifest.ClassNames.Count;
        int outside = Array.FindIndex(labels, label => (uint)label >= (uint)classes);
        if (outside >= 0)
        {
            throw new InvalidSettingException($"{images.Source}: image {outside} has label {labels[outside]}, outside the artifacts' {classes} classes.");
        }

        (int[] trainIndices, int[] validationIndices) = ValidationSplit.Stratified(labels, classes, options.ValidationFraction, options.Seed);
        var cacheClock = Stopwatch.StartNew();
        float[]? features = Manifest.CachesFeatures ? ExtractFeatures(images, options.EvaluationBatchSize, cancellationToken) : null;
        TimeSpan caching = features is null ? TimeSpan.Zero : cacheClock.Elapsed;
        RandomResizedCrop? crop = options.MinCropScale < 1 ? new RandomResizedCrop(images.Channels, images.Height, images.Width, options.MinCropScale) : null;
        var examples = new ExampleSource(images, features, InputSize, crop, options.HorizontalFlip);

        var sampler = new ClassBalancedSampler(trainIndices.Select(i => labels[i]).ToArray(), classes, options.ClassBalance, options.Seed);
        int stepsPerEpoch = (trainIndices.Length + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        long warmup = Math.Min((long)Math.Round(options.WarmupEpochs * stepsPerEpoch), totalSteps / 10);
        var schedule = new WarmupCosineSchedule(options.LearningRate, warmup, totalSteps);

        var state = new EarlyStopping(validationIndices.Length > 0, options.Patience);
        int firstEpoch = 0;
        double trainingLoss = double.NaN;
        string optionsJson = RunJson.OneLine(options, RunJson.CamelCase);
        if (resumeFrom is { } checkpoint)
        {
            ArgumentNullException.ThrowIfNull(checkpointPath);
            (firstEpoch, trainingLoss) = Restore(checkpointPath, checkpoint, optionsJson, state);
        }

        var clock = Stopwatch.StartNew();
        int epoch = firstEpoch;
        for (; epoch < options.Epochs && !state.Stopped; epoch++)
        {
            int[] order = sampler.EpochOrder(epoch);
            int[] examplesPerClass = new int[classes];
            double lossSum = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(options.BatchSize, order.Length - start);
                Span<float> batch = _runner.Batch(count);
                Span<long> batchLabels = _runner.Labels(count);
                // Each step's draws come from (seed, step), so a resumed run augments as an uninterrupted one.
                var random = examples.Augments ? new Random(unchecked(options.Seed * 100_003 + (int)Step)) : null;
                for (int i = 0; i < count; i++)
                {
                    int example = trainIndices[order[start + i]];
                    examples.Write(example, batch.Slice(i * InputSize, InputSize), random);
                    batchLabels[i] = labels[example];
                    examplesPerClass[labels[example]]++;
                }
                float loss = RunStep(count, (float)schedule.LearningRate(Step));
                if (!float.IsFinite(loss))
                {
                    throw new TrainingDivergedException(
                        $"The training loss became {loss} at step {Step} (epoch {epoch + 1}, learning rate {schedule.LearningRate(Step - 1):G3}): lower the learning rate.");
                }
                lossSum += loss * count;
            }
            trainingLoss = lossSum / order.Length;
            (double Loss, double Accuracy)? validation = validationIndices.Length > 0
                ? Validate(examples, validationIndices, labels, options.EvaluationBatchSize, cancellationToken)
                : null;
            bool best = state.Record(epoch + 1, validation, () => Manifest.Parameters.Select(p => _runner.Current(p.Name)).ToArray());
            // The epoch's figures before its checkpoint: a run killed between the two logged an epoch it trains again when
            // resumed (the log drops it), where the other order would lose that epoch's line.
            progress?.Report(new FineTuneProgress(epoch + 1, options.Epochs, Step, trainingLoss, validation?.Loss, validation?.Accuracy,
                schedule.LearningRate(Math.Max(0, Step - 1)), best, clock.Elapsed, examplesPerClass));
            if (checkpointPath is not null)
            {
                FineTuneCheckpointFile.Write(checkpointPath, Manifest, _runner.Current, state.BestParameters, new FineTuneCheckpointState(Step, epoch + 1,
                    state.BestEpoch, state.StaleEpochs, trainingLoss, state.BestLoss, state.BestAccuracy, optionsJson,
                    Manifest.Files[ArtifactsManifest.TrainingModelFile]));
            }
        }
        if (state.BestParameters is { } kept)
        {
            for (int i = 0; i < Manifest.Parameters.Count; i++)
            {
                kept[i].CopyTo(_runner.Current(Manifest.Parameters[i].Name), 0);
            }
        }
        return new FineTuneResult(epoch, Step, state.Stopped && epoch < options.Epochs, state.BestEpoch == 0 ? epoch : state.BestEpoch,
            trainingLoss, state.BestLoss, state.BestAccuracy, trainIndices.Length, validationIndices.Length, sampler.Balanced, caching,
            clock.Elapsed, firstEpoch);
    }

    /// <summary>
    /// The inference model: the encoder with the trained layers and head, outputs <c>embedding</c>, <c>logits</c>,
    /// <c>probabilities</c>, the encoder's metadata plus the class names and <paramref name="fineTuneSummary"/> (a JSON object).
    /// </summary>
    public ModelProto InferenceModel(string fineTuneSummary)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelProto ReadModel(string file) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(_directory, file)));
        return InferenceModelComposer.Compose(ReadModel(ArtifactsManifest.EvalModelFile),
            Manifest.CachesFeatures ? ReadModel(ArtifactsManifest.FrozenModelFile) : null, Manifest, Parameters(),
            new ClassifierMetadata(Manifest.ClassNames, fineTuneSummary));
    }

    /// <summary>Writes <see cref="InferenceModel"/> to <paramref name="path"/>, whole or not at all (<see cref="AtomicFile"/>).</summary>
    public void ExportInferenceModel(string path, string fineTuneSummary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto model = InferenceModel(fineTuneSummary);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, model.WriteTo);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _runner.Dispose();
        _sessions.Dispose();
    }

    private float RunStep(int count, float learningRate)
    {
        float loss = _runner.Run(count, learningRate, Step + 1);
        Step++;
        return loss;
    }

    private (double Loss, double Accuracy) Validate(ExampleSource examples, int[] indices, int[] labels, int batchSize,
        CancellationToken cancellationToken)
    {
        int classes = Manifest.ClassNames.Count;
        int size = Math.Min(batchSize, indices.Length);
        float[] batch = new float[size * InputSize];
        long[] batchLabels = new long[size];
        float[] logits = new float[size * classes];
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < indices.Length; start += size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(size, indices.Length - start);
            for (int i = 0; i < count; i++)
            {
                examples.Write(indices[start + i], batch.AsSpan(i * InputSize, InputSize), random: null);
                batchLabels[i] = labels[indices[start + i]];
            }
            lossSum += Evaluate(batch.AsMemory(0, count * InputSize), batchLabels.AsMemory(0, count), logits.AsMemory(0, count * classes)) * (double)count;
            for (int i = 0; i < count; i++)
            {
                if (Argmax.Of(logits.AsSpan(i * classes, classes)) == batchLabels[i])
                {
                    correct++;
                }
            }
        }
        return (lossSum / indices.Length, (double)correct / indices.Length);
    }

    // Restores the weights, optimizer state, step and early-stopping state of the checkpoint read from path; returns the
    // epochs already run and the last one's loss.
    private (int Epochs, double TrainingLoss) Restore(string path, (FineTuneCheckpointState State, SafeTensorsContent Content) checkpoint,
        string optionsJson, EarlyStopping state)
    {
        (FineTuneCheckpointState saved, SafeTensorsContent content) = checkpoint;
        if (saved.ArtifactsSha256 != Manifest.Files[ArtifactsManifest.TrainingModelFile])
        {
            throw new InvalidDataException($"{path} was written by other fine-tune artifacts than {_directory}: it cannot be resumed with them.");
        }
        // Compared as read back (a checkpoint written before the one casing has snake_case names and enums as numbers) and
        // written again; options that are not a JSON object differ from any: every option is listed as changed.
        SettingsDifference difference = SettingsDifference.Between(Recorded(saved.Options), JsonNode.Parse(optionsJson)!.AsObject());
        if (!difference.IsEmpty)
        {
            throw new InvalidDataException($"{path} was trained with other options; resume with the same ones.\n{difference.Describe()}");
        }
        _runner.Load(FineTuneCheckpointFile.Values(content, Manifest.TrainedValues));
        Step = saved.Step;
        state.Restore(saved.BestEpoch, saved.EpochsWithoutImprovement, saved.BestValidationLoss, saved.BestValidationAccuracy,
            FineTuneCheckpointFile.Best(content, Manifest));
        return (saved.Epoch, saved.TrainingLoss);
    }

    // The options a checkpoint recorded, written as this build writes them; an empty object when they do not read.
    private static JsonObject Recorded(string options)
    {
        try
        {
            return JsonNode.Parse(RunJson.OneLine(RunJson.Read<FineTuneOptions>(options, RunJson.CamelCase), RunJson.CamelCase)) as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject();
        }
    }

    private void RequirePixelShape(ImageSet images)
    {
        long[] shape = [images.Channels, images.Height, images.Width];
        if (!shape.SequenceEqual(Manifest.PixelShape))
        {
            throw new InvalidSettingException(
                $"{images.Source} holds {images.Shape} images but the encoder takes {string.Join("x", Manifest.PixelShape)}: load the data at the encoder's input size.");
        }
    }

    private void RequireLabels(ReadOnlySpan<long> labels)
    {
        foreach (long label in labels)
        {
            if ((ulong)label >= (ulong)Manifest.ClassNames.Count)
            {
                throw new ArgumentException($"Label {label} is outside the artifacts' {Manifest.ClassNames.Count} classes.", nameof(labels));
            }
        }
    }
}
