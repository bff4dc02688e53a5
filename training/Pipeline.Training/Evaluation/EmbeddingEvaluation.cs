using System.Diagnostics;
using Pipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Scores embeddings by the standard protocols: a classifier fitted on a class-balanced fraction of the labelled
/// training embeddings, scored on the test embeddings.
/// </summary>
public static class EmbeddingEvaluation
{
    /// <summary>
    /// Scores every (protocol, fraction) pair on one pair of embedding sets and describes each result as coming from
    /// <paramref name="subject"/>; each result's time adds <paramref name="embedSeconds"/>, the time spent embedding.
    /// </summary>
    public static IReadOnlyList<EvaluationResult> ScoreEach(Tensor trainEmbeddings, ImageSet train, string trainData,
        Tensor testEmbeddings, ImageSet test, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, KnnClassifier knn,
        LinearProbe probe, EvaluatedSubject subject, double embedSeconds)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(evaluations);
        ArgumentNullException.ThrowIfNull(subject);
        var results = new List<EvaluationResult>();
        foreach ((EvaluationProtocol protocol, LabelFraction fraction) in evaluations)
        {
            var scoring = Stopwatch.StartNew();
            (double accuracy, int labelled, IReadOnlyDictionary<string, double> settings) = Score(
                trainEmbeddings, train.RequireLabels(), testEmbeddings, test.RequireLabels(), train.ClassNames.Count,
                protocol, fraction, seed, knn, probe);
            results.Add(new EvaluationResult(
                protocol.ToString().ToLowerInvariant(), fraction.ToString(), labelled, test.Count, accuracy,
                trainData, testData, subject.Checkpoint, subject.Step, subject.Method, subject.Encoder, settings,
                embedSeconds + scoring.Elapsed.TotalSeconds));
        }
        return results;
    }

    /// <summary>The accuracy of <paramref name="protocol"/> with the labelled fraction of the training embeddings.</summary>
    /// <param name="trainEmbeddings">Embeddings of every training image [N, D] (the fraction is drawn from them).</param>
    /// <param name="trainLabels">Their classes, length N.</param>
    /// <param name="testEmbeddings">Embeddings of the test images [Q, D].</param>
    /// <param name="testLabels">Their classes, length Q.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="protocol">knn or linear.</param>
    /// <param name="fraction">Which labelled training images the classifier may use.</param>
    /// <param name="seed">Seeds the fraction's draw and the probe.</param>
    /// <param name="knn">The kNN classifier, for <see cref="EvaluationProtocol.Knn"/>.</param>
    /// <param name="probe">The linear probe, for <see cref="EvaluationProtocol.Linear"/>.</param>
    public static (double Accuracy, int Labelled, IReadOnlyDictionary<string, double> Settings) Score(
        Tensor trainEmbeddings, int[] trainLabels, Tensor testEmbeddings, int[] testLabels, int classCount,
        EvaluationProtocol protocol, LabelFraction fraction, int seed, KnnClassifier knn, LinearProbe probe)
    {
        ArgumentNullException.ThrowIfNull(trainEmbeddings);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testEmbeddings);
        ArgumentNullException.ThrowIfNull(testLabels);
        ArgumentNullException.ThrowIfNull(fraction);

        using var scope = NewDisposeScope();
        int[] chosen = fraction.Select(trainLabels, classCount, seed);
        Tensor chosenIndices = tensor(chosen.Select(i => (long)i).ToArray());
        Tensor bank = trainEmbeddings.index_select(0, chosenIndices);
        Tensor bankLabels = tensor(chosen.Select(i => (long)trainLabels[i]).ToArray());
        Tensor predictions = protocol switch
        {
            EvaluationProtocol.Knn => knn.Predict(bank, bankLabels, testEmbeddings, classCount),
            EvaluationProtocol.Linear => probe.FitPredict(bank, bankLabels, testEmbeddings, classCount, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
        };
        long correct = predictions.eq(tensor(testLabels.Select(l => (long)l).ToArray())).sum().item<long>();
        IReadOnlyDictionary<string, double> settings = protocol == EvaluationProtocol.Knn
            ? new Dictionary<string, double> { ["k"] = knn.K, ["temperature"] = knn.Temperature }
            : new Dictionary<string, double> { ["steps"] = probe.Steps, ["learningRate"] = probe.LearningRate, ["C"] = probe.InverseRegularization };
        return ((double)correct / testLabels.Length, chosen.Length, settings);
    }
}
