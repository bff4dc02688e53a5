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
    /// <c>eval/&lt;protocol&gt;-&lt;labels&gt;.json</c>, and returns them. With <paramref name="predictionsDirectory"/>,
    /// each result's per-image predictions are also written there (<see cref="EvaluationPredictions"/>).
    /// </summary>
    public static IReadOnlyList<EvaluationResult> Evaluate(RunDirectory run, string? checkpoint, string trainData, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, Device device,
        EvaluationClassifiers classifiers, string? predictionsDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluations);
        var clock = Stopwatch.StartNew();
        PretrainConfig config = run.ReadConfig();
        (Encoder encoder, long step, string checkpointPath) = TrainedEncoder.Load(run, checkpoint);
        using (encoder)
        {
            ImageShape shape = InputShape(config);
            ImageSet train = DatasetLoader.Load(trainData, shape, cancellationToken);
            ImageSet test = DatasetLoader.Load(testData, shape, cancellationToken);
            return Score(encoder, new EvaluatedSubject(checkpointPath, step, config.Method.Name, config.Encoder.Architecture),
                new LabelledAndTest(train, trainData, test, testData), evaluations, seed, device, classifiers, run.EvaluationDirectory,
                predictionsDirectory, clock, cancellationToken);
        }
    }

    /// <summary>
    /// Scores every kept checkpoint of the run, oldest first, into <c>eval/curve/step-NNNNNNNN/</c>
    /// (<see cref="LearningCurve.StepDirectory"/>), loading the images once. A checkpoint that already holds a result for
    /// a (protocol, fraction) pair made the same way — the same labelled and test data, protocol settings and tuning —
    /// keeps it, so a call that was interrupted continues where it stopped. <paramref name="progress"/> is told each
    /// checkpoint's new results as soon as they are written.
    /// </summary>
    /// <returns>The run's curve afterwards.</returns>
    /// <exception cref="DataFormatException">The run has no checkpoint.</exception>
    public static LearningCurve EvaluateAlongRun(RunDirectory run, string trainData, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, Device device,
        EvaluationClassifiers classifiers, IProgress<IReadOnlyList<EvaluationResult>>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluations);
        ArgumentNullException.ThrowIfNull(classifiers);
        PretrainConfig config = run.ReadConfig();
        ImageShape shape = InputShape(config);
        LabelledAndTest? images = null;
        foreach ((long step, string path) in run.RequireCheckpoints())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string directory = LearningCurve.StepDirectory(run, step);
            IReadOnlyList<EvaluationResult> kept = StoredEvaluations.Read(directory).Accuracies;
            var missing = evaluations
                .Where(evaluation => !kept.Any(result => MadeTheSameWay(result, evaluation, trainData, testData, classifiers)))
                .ToArray();
            if (missing.Length == 0)
            {
                continue;
            }
            var clock = Stopwatch.StartNew();
            images ??= new LabelledAndTest(
                DatasetLoader.Load(trainData, shape, cancellationToken), trainData,
                DatasetLoader.Load(testData, shape, cancellationToken), testData);
            (Encoder encoder, _, string checkpointPath) = TrainedEncoder.Load(run, path);
            using (encoder)
            {
                progress?.Report(Score(encoder, new EvaluatedSubject(checkpointPath, step, config.Method.Name, config.Encoder.Architecture),
                    images, missing, seed, device, classifiers, directory, null, clock, cancellationToken));
            }
        }
        return LearningCurve.Read(run);
    }

    /// <summary>
    /// The test ELBO of a vae run's checkpoint (the newest when null), in nats per image, with the reconstruction term
    /// estimated from <paramref name="samples"/> reparameterised samples per image (ε seeded by
    /// <paramref name="seed"/>) and the KL term exact; written to <c>eval/elbo-Nsample(s).json</c> and returned.
    /// </summary>
    /// <exception cref="InvalidSettingException">The run's method is not vae (<see cref="InvalidSettingException.Setting"/> <c>protocol</c>).</exception>
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
                throw InvalidSettingException.ForSetting("protocol", name =>
                    $"elbo is a VAE's bound: {run.Path} was trained with {config.Method.Name}, which has no ELBO. Score its embeddings with {name("protocol")} knn or linear.");
            }
            vae.to(device);
            ImageSet test = DatasetLoader.Load(testData, InputShape(config), cancellationToken);
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
                vae.Likelihood.Kind.ToString().ToLowerInvariant(), test.Count, testData, checkpointPath, step, config.Method.Name,
                config.Encoder.Architecture, seed, clock.Elapsed.TotalSeconds);
            RunDirectory.WriteJsonAtomically(Path.Combine(run.EvaluationDirectory, ElboResult.FileName(samples)), result);
            return result;
        }
    }

    // Embeds both sets with the encoder, scores each pair and writes each result into the folder (and, with a predictions
    // folder, each result's predictions there).
    private static IReadOnlyList<EvaluationResult> Score(Encoder encoder, EvaluatedSubject subject, LabelledAndTest images,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, Device device,
        EvaluationClassifiers classifiers, string directory, string? predictionsDirectory, Stopwatch clock, CancellationToken cancellationToken)
    {
        encoder.to(device);
        using Tensor trainEmbeddings = EmbeddingExtractor.Embed(encoder, images.Train, device, cancellationToken: cancellationToken);
        using Tensor testEmbeddings = EmbeddingExtractor.Embed(encoder, images.Test, device, cancellationToken: cancellationToken);
        IReadOnlyList<EvaluationResult> results = EmbeddingEvaluation.ScoreEach(
            trainEmbeddings, images.Train, images.TrainData, testEmbeddings, images.Test, images.TestData, evaluations, seed, classifiers,
            subject, clock.Elapsed.TotalSeconds, predictionsDirectory, cancellationToken);
        foreach (EvaluationResult result in results)
        {
            RunDirectory.WriteJsonAtomically(Path.Combine(directory, $"{result.FileStem()}.json"), result);
        }
        return results;
    }

    // Whether a stored result answers (protocol, fraction) as the classifiers would now: same data, same fixed settings.
    private static bool MadeTheSameWay(EvaluationResult result, (EvaluationProtocol Protocol, LabelFraction Fraction) evaluation,
        string trainData, string testData, EvaluationClassifiers classifiers)
    {
        // Tuning chooses k or C, so a tuned result is made the same way whatever k or C it chose.
        Dictionary<string, double> expected = evaluation.Protocol == EvaluationProtocol.Knn
            ? EmbeddingEvaluation.Settings(classifiers.Knn, classifiers.Tune)
            : EmbeddingEvaluation.Settings(classifiers.Probe, classifiers.Tune);
        if (classifiers.Tune)
        {
            expected.Remove(EmbeddingEvaluation.TunedSetting(evaluation.Protocol));
        }
        return result.Protocol == evaluation.Protocol.ToString().ToLowerInvariant()
            && result.Labels == evaluation.Fraction.ToString()
            && result.TrainData == trainData && result.TestData == testData
            && expected.All(setting => result.Settings.TryGetValue(setting.Key, out double value) && value == setting.Value);
    }

    private static ImageShape InputShape(PretrainConfig config) =>
        new(config.Encoder.InputChannels, config.Encoder.InputHeight, config.Encoder.InputWidth);

    // The labelled images a classifier is fitted on and the images it is scored on, with the URIs they came from.
    private sealed record LabelledAndTest(ImageSet Train, string TrainData, ImageSet Test, string TestData);
}
