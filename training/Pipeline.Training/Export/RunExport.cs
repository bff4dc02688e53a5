using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Evaluation;
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
    /// (other data), with the evaluation figures of that checkpoint from the run's <c>eval/</c>.
    /// </summary>
    public static ExportResult Export(RunDirectory run, string? checkpoint, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        (Encoder encoder, long step, string checkpointPath) = TrainedEncoder.Load(run, checkpoint);
        using (encoder)
        {
            ImageSet images = ParityImages(config, cancellationToken);
            using Tensor pixels = PixelTensors.FromImages(images, 0, images.Count, CPU);
            var provenance = new ExportProvenance(
                config.Method, config.Data, Metrics(run, checkpointPath, step), run.Path, Path.GetFileName(checkpointPath),
                Sha256(checkpointPath));
            return EncoderOnnxExporter.Export(encoder, pixels, provenance, path);
        }
    }

    private static ImageSet ParityImages(PretrainConfig config, CancellationToken cancellationToken)
    {
        EncoderSpec spec = config.Encoder;
        string source = DatasetUri.Parse(config.Data) is DatasetUri.FashionMnist ? RunEvaluation.DefaultTestData(config.Data) : config.Data;
        ImageSet images = DatasetLoader.Load(source, new ImageShape(spec.InputChannels, spec.InputHeight, spec.InputWidth), cancellationToken);
        return images.Take(Math.Min(ParityImageCount, images.Count));
    }

    /// <summary>
    /// The run's evaluations of this checkpoint: accuracy by <c>protocol-labels</c> (<c>knn-100%</c>), and a VAE's ELBO
    /// in nats per image by <c>elbo-Nsample(s)</c>.
    /// </summary>
    private static Dictionary<string, double> Metrics(RunDirectory run, string checkpointPath, long step)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!Directory.Exists(run.EvaluationDirectory))
        {
            return metrics;
        }
        // A run folder may have moved since the evaluation: the checkpoint's file name and step identify it.
        bool OfThisCheckpoint(string? checkpoint, long evaluatedStep) =>
            evaluatedStep == step && Path.GetFileName(checkpoint) == Path.GetFileName(checkpointPath);
        foreach (string file in Directory.EnumerateFiles(run.EvaluationDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
                bool elbo = document.RootElement.TryGetProperty("protocol", out JsonElement protocol)
                    && protocol.ValueKind == JsonValueKind.String
                    && protocol.GetString() == EvaluationProtocol.Elbo.ToString().ToLowerInvariant();
                if (elbo)
                {
                    ElboResult? result = document.Deserialize<ElboResult>(RunDirectory.JsonOptions);
                    if (result is not null && OfThisCheckpoint(result.Checkpoint, result.Step))
                    {
                        metrics[Path.GetFileNameWithoutExtension(file)] = result.Elbo;
                    }
                }
                else
                {
                    EvaluationResult? result = document.Deserialize<EvaluationResult>(RunDirectory.JsonOptions);
                    if (result is not null && OfThisCheckpoint(result.Checkpoint, result.Step))
                    {
                        metrics[$"{result.Protocol}-{result.Labels}"] = result.Accuracy;
                    }
                }
            }
            catch (JsonException error)
            {
                throw new InvalidDataException($"{file} is not an evaluation result ({error.Message}): delete it or run evaluate again.", error);
            }
        }
        return metrics;
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
