using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Encoders;
using Pipeline.Training.Heads;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Export;

/// <summary>Exports a run's encoder: the checkpoint's weights, parity on the run's own images, metadata from the run folder.</summary>
public static class RunExport
{
    /// <summary>Where a run keeps its exported encoder unless told otherwise.</summary>
    public const string DefaultFileName = "encoder.onnx";

    /// <summary>How many images the parity check compares.</summary>
    public const int ParityImageCount = 64;

    public static string DefaultPath(RunDirectory run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Path.Combine(run.Path, DefaultFileName);
    }

    /// <summary>
    /// Exports the encoder of <paramref name="checkpoint"/> (the run's newest when null) to <paramref name="path"/>,
    /// checking parity on the first <see cref="ParityImageCount"/> test images (Fashion-MNIST runs) or training images
    /// (other data), with the evaluation figures of that checkpoint from the run's <c>eval/</c> (<see cref="StoredEvaluations.Figures"/>).
    /// </summary>
    public static ExportResult Export(RunDirectory run, string? checkpoint, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        (Encoder encoder, long step, string checkpointPath) = TrainedEncoder.Load(run, checkpoint);
        using (encoder)
        {
            using Tensor pixels = ParityPixels(config, cancellationToken);
            return EncoderOnnxExporter.Export(encoder, pixels, Provenance(run, config, checkpointPath, step), path);
        }
    }

    /// <summary>
    /// As <see cref="Export"/>, with the first <paramref name="projectionLayers"/> hidden layers of a simclr run's
    /// projection head after the encoder (<see cref="ProjectedEncoder"/>): the representation SimCLRv2 fine-tunes from.
    /// The run's evaluation figures describe h, not this output, so the metadata carries none.
    /// </summary>
    /// <exception cref="InvalidSettingException">The run has no projection head, or fewer hidden layers than asked for.</exception>
    public static ExportResult ExportProjected(RunDirectory run, string? checkpoint, int projectionLayers, string path,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        if (config.Method is not SimClrSettings)
        {
            throw new InvalidSettingException($"{run.Path} is a {config.Method.Name} run: only a simclr run has a projection head to keep layers of.");
        }
        (PretextObjective objective, long step, string checkpointPath) = TrainedObjective.Load(run, checkpoint);
        using (objective)
        {
            ProjectionHead head = ((SimClrObjective)objective).ProjectionHead;
            if (projectionLayers < 1 || projectionLayers > head.HiddenLayerCount)
            {
                throw new InvalidSettingException(
                    $"The projection head of {run.Path} has {head.HiddenLayerCount} hidden layer(s): keep 1 to {head.HiddenLayerCount} of them, not {projectionLayers}.");
            }
            using var encoder = new ProjectedEncoder(objective.Encoder, head, projectionLayers);
            encoder.eval();
            using Tensor pixels = ParityPixels(config, cancellationToken);
            ExportProvenance provenance = Provenance(run, config, checkpointPath, step) with { Metrics = new Dictionary<string, double>() };
            return EncoderOnnxExporter.Export(encoder, pixels, provenance, path);
        }
    }

    /// <summary>Where a distill run keeps its exported classifier: the name a fine-tune gives it.</summary>
    public const string ClassifierFileName = "inference_model.onnx";

    /// <summary>
    /// Exports the classifier of a distill or fixmatch run — encoder and linear head of <paramref name="checkpoint"/> (the
    /// newest when null) — with the contract of a fine-tuned <c>inference_model.onnx</c>, its logits checked against
    /// TorchSharp like an encoder's embeddings; <paramref name="summary"/> (a JSON object) goes into its metadata.
    /// </summary>
    /// <exception cref="InvalidSettingException">The run trains no classifier.</exception>
    public static ExportResult ExportClassifier(RunDirectory run, string? checkpoint, string path, string summary,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        (PretextObjective objective, long step, string checkpointPath) = TrainedObjective.Load(run, checkpoint);
        using (objective)
        {
            if (objective is not IClassifierObjective trained)
            {
                throw new InvalidSettingException($"{run.Path} is a {config.Method.Name} run: only distill and fixmatch runs have a classifier to export.");
            }
            using Tensor pixels = ParityPixels(config, cancellationToken);
            return EncoderOnnxExporter.ExportClassifier(trained.Encoder, trained.Classifier, trained.ClassNames, summary, pixels,
                Provenance(run, config, checkpointPath, step), path);
        }
    }

    private static ExportProvenance Provenance(RunDirectory run, PretrainConfig config, string checkpointPath, long step) => new(
        config.Method.Name, config.Data, StoredEvaluations.Read(run).Of(checkpointPath, step).Figures(), run.Path, Path.GetFileName(checkpointPath),
        FileDigest.Of(checkpointPath).Sha256);

    // The first ParityImageCount test images (Fashion-MNIST runs) or training images (other data), as the encoder takes them.
    private static Tensor ParityPixels(PretrainConfig config, CancellationToken cancellationToken)
    {
        EncoderSpec spec = config.Encoder;
        string source = DatasetUri.Parse(config.Data) is DatasetUri.FashionMnist ? RunEvaluation.DefaultTestData(config.Data) : config.Data;
        ImageSet images = DatasetLoader.Load(source, new ImageShape(spec.InputChannels, spec.InputHeight, spec.InputWidth), cancellationToken)
            .Take(ParityImageCount);
        return PixelTensors.FromImages(images, 0, images.Count, CPU);
    }
}
