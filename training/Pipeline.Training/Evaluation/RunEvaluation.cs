using System.Diagnostics;
using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>Evaluates a run's checkpoint: embeds the labelled and test sets with its encoder and scores a protocol.</summary>
public static class RunEvaluation
{
    /// <summary>
    /// The test split that goes with a training URI: <c>fashion-mnist:test</c> for <c>fashion-mnist:train</c>; other
    /// data needs an explicit test set.
    /// </summary>
    public static string DefaultTestData(string trainData) =>
        DatasetUri.Parse(trainData) is DatasetUri.FashionMnist
            ? new DatasetUri.FashionMnist(FashionMnistSplit.Test).ToString()
            : throw new ArgumentException($"No default test set for {trainData}: give --test-data (for example folder:/path/to/test).");

    /// <summary>
    /// Scores every (protocol, fraction) pair on one embedding pass, writes each result to the run's
    /// <c>eval/&lt;protocol&gt;-&lt;labels&gt;.json</c>, and returns them.
    /// </summary>
    public static IReadOnlyList<EvaluationResult> Evaluate(RunDirectory run, string? checkpoint, string trainData, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, Device device,
        KnnClassifier knn, LinearProbe probe, CancellationToken cancellationToken = default)
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

            var results = new List<EvaluationResult>();
            foreach ((EvaluationProtocol protocol, LabelFraction fraction) in evaluations)
            {
                var scoring = Stopwatch.StartNew();
                (double accuracy, int labelled, IReadOnlyDictionary<string, double> settings) = EmbeddingEvaluation.Score(
                    trainEmbeddings, train.RequireLabels(), testEmbeddings, test.RequireLabels(), train.ClassNames.Count,
                    protocol, fraction, seed, knn, probe);
                var result = new EvaluationResult(
                    protocol.ToString().ToLowerInvariant(), fraction.ToString(), labelled, test.Count, accuracy,
                    trainData, testData, checkpointPath, step, config.Method, config.Encoder.Architecture, settings,
                    embedSeconds + scoring.Elapsed.TotalSeconds);
                RunDirectory.WriteJsonAtomically(
                    Path.Combine(run.EvaluationDirectory, $"{result.Protocol}-{FileSafe(result.Labels)}.json"), result);
                results.Add(result);
            }
            return results;
        }
    }

    private static string FileSafe(string labels) => labels.Replace("%", "pct", StringComparison.Ordinal);
}
