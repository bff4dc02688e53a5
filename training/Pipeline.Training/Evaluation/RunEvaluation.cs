using System.Diagnostics;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Encoders;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Evaluates a run's checkpoint: embeds the labelled and test sets with its encoder and scores a protocol, or, for a
/// VAE, bounds the likelihood of the test set.
/// </summary>
public static class RunEvaluation
{
    /// <summary>
    /// The test split that goes with a training URI: <c>fashion-mnist:test</c> for <c>fashion-mnist:train</c>; other
    /// data needs an explicit test set.
    /// </summary>
    public static string DefaultTestData(string trainData) =>
        DatasetUri.Parse(trainData) is DatasetUri.FashionMnist
            ? new DatasetUri.FashionMnist(FashionMnistSplit.Test).ToString()
            : throw new InvalidSettingException($"No default test set for {trainData}: give one (for example folder:/path/to/test).");

    /// <summary>
    /// Scores every (protocol, fraction) pair on one embedding pass, writes each result to the run's
    /// <c>eval/&lt;protocol&gt;-&lt;labels&gt;.json</c>, and returns them.
    /// </summary>
    public static IReadOnlyList<EvaluationResult> Evaluate(RunDirectory run, string? checkpoint, string trainData, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, Device device,
        EvaluationClassifiers classifiers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluations);
        var clock = Stopwatch.StartNew();
        PretrainConfig config = run.ReadConfig();
        (Encoder encoder, long step, string checkpointPath) = TrainedEncoder.Load(run, checkpoint);
        using (encoder)
        {
            encoder.to(device);
            var shape = new ImageShape(config.Encoder.InputChannels, config.Encoder.InputHeight, config.Encoder.InputWidth);
            ImageSet train = DatasetLoader.Load(trainData, shape, cancellationToken);
            ImageSet test = DatasetLoader.Load(testData, shape, cancellationToken);
            using Tensor trainEmbeddings = EmbeddingExtractor.Embed(encoder, train, device, cancellationToken: cancellationToken);
            using Tensor testEmbeddings = EmbeddingExtractor.Embed(encoder, test, device, cancellationToken: cancellationToken);
            double embedSeconds = clock.Elapsed.TotalSeconds;

            IReadOnlyList<EvaluationResult> results = EmbeddingEvaluation.ScoreEach(
                trainEmbeddings, train, trainData, testEmbeddings, test, testData, evaluations, seed, classifiers,
                new EvaluatedSubject(checkpointPath, step, config.Method, config.Encoder.Architecture), embedSeconds, cancellationToken);
            foreach (EvaluationResult result in results)
            {
                RunDirectory.WriteJsonAtomically(
                    Path.Combine(run.EvaluationDirectory, $"{result.Protocol}-{FileSafe(result.Labels)}.json"), result);
            }
            return results;
        }
    }

    /// <summary>
    /// The test ELBO of a vae run's checkpoint (the newest when null), in nats per image, with the reconstruction term
    /// estimated from <paramref name="samples"/> reparameterised samples per image (ε seeded by
    /// <paramref name="seed"/>) and the KL term exact; written to <c>eval/elbo-Nsample(s).json</c> and returned.
    /// </summary>
    /// <exception cref="InvalidSettingException">The run's method is not vae.</exception>
    public static ElboResult EvaluateElbo(RunDirectory run, string? checkpoint, string testData, int samples, int seed, Device device,
        int batchSize = 512, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var clock = Stopwatch.StartNew();
        PretrainConfig config = run.ReadConfig();
        (PretextObjective objective, long step, string checkpointPath) = TrainedObjective.Load(run, checkpoint);
        using (objective)
        {
            if (objective is not VaeObjective vae)
            {
                throw new InvalidSettingException(
                    $"The ELBO is a VAE's bound: {run.Path} was trained with {config.Method}, which has no ELBO. Score its embeddings with --protocol knn or linear.");
            }
            vae.to(device);
            ImageSet test = DatasetLoader.Load(testData, new ImageShape(config.Encoder.InputChannels, config.Encoder.InputHeight, config.Encoder.InputWidth), cancellationToken);
            if (test.Count == 0)
            {
                throw new DataFormatException(testData, "holds no images to score.");
            }
            using var noGrad = no_grad();
            using var generator = new Generator((ulong)(uint)seed);
            double reconstruction = 0;
            double kl = 0;
            for (int first = 0; first < test.Count; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                Tensor pixels = PixelTensors.FromImages(test, first, Math.Min(batchSize, test.Count - first), device);
                for (int sample = 0; sample < samples; sample++)
                {
                    // [n] each; summed in double so 10,000 images of hundreds of nats lose nothing to rounding.
                    (Tensor batchReconstruction, Tensor batchKl) = vae.NegativeElboTerms(pixels, generator);
                    reconstruction += batchReconstruction.to(ScalarType.Float64).sum().item<double>();
                    kl += batchKl.to(ScalarType.Float64).sum().item<double>();
                }
            }
            double count = (double)test.Count * samples;
            reconstruction /= count;
            kl /= count;
            var result = new ElboResult(
                EvaluationProtocol.Elbo.ToString().ToLowerInvariant(), -(reconstruction + kl), reconstruction, kl, samples,
                vae.Likelihood.Kind.ToString().ToLowerInvariant(), test.Count, testData, checkpointPath, step, config.Method,
                config.Encoder.Architecture, seed, clock.Elapsed.TotalSeconds);
            RunDirectory.WriteJsonAtomically(Path.Combine(run.EvaluationDirectory, ElboResult.FileName(samples)), result);
            return result;
        }
    }

    private static string FileSafe(string labels) => labels.Replace("%", "pct", StringComparison.Ordinal);
}
