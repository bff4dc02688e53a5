using System.Diagnostics;
using Pipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Scores embeddings by the standard protocols: a classifier fitted on a class-balanced fraction of the labelled
/// training embeddings, scored on the test embeddings — both standardised with the statistics of every training
/// embedding first (<see cref="FeatureStandardization"/>), whatever the representation.
/// </summary>
public static class EmbeddingEvaluation
{
    /// <summary>
    /// Scores every (protocol, fraction) pair on one pair of embedding sets and describes each result as coming from
    /// <paramref name="subject"/>; each result's time adds <paramref name="embedSeconds"/>, the time spent embedding.
    /// With <paramref name="predictionsDirectory"/>, each result's per-image predictions are written there as well
    /// (<see cref="EvaluationPredictions"/>); without it, nothing is written.
    /// </summary>
    public static IReadOnlyList<EvaluationResult> ScoreEach(Tensor trainEmbeddings, ImageSet train, string trainData,
        Tensor testEmbeddings, ImageSet test, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, EvaluationClassifiers classifiers,
        EvaluatedSubject subject, double embedSeconds, string? predictionsDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(evaluations);
        ArgumentNullException.ThrowIfNull(subject);
        var results = new List<EvaluationResult>();
        int[] trainLabels = train.RequireLabels();
        int[] testLabels = test.RequireLabels();
        // Standardised once for every (protocol, fraction) pair: the statistics are those of all training embeddings.
        (Tensor standardTrain, Tensor standardTest) = FeatureStandardization.Apply(trainEmbeddings, testEmbeddings);
        using var disposeTrain = standardTrain;
        using var disposeTest = standardTest;
        foreach ((EvaluationProtocol protocol, LabelFraction fraction) in evaluations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scoring = Stopwatch.StartNew();
            (double accuracy, int labelled, IReadOnlyDictionary<string, double> settings, int[] predictions) = ScoreStandardized(
                standardTrain, trainLabels, standardTest, testLabels, train.ClassNames.Count,
                protocol, fraction, seed, classifiers, cancellationToken);
            var result = new EvaluationResult(
                protocol.ToString().ToLowerInvariant(), fraction.ToString(), labelled, test.Count, accuracy,
                trainData, testData, subject.Checkpoint, subject.Step, subject.Method, subject.Encoder, settings,
                embedSeconds + scoring.Elapsed.TotalSeconds);
            if (predictionsDirectory is not null)
            {
                EvaluationPredictions.Write(predictionsDirectory, result, testLabels, predictions);
            }
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// The accuracy of <paramref name="protocol"/> with the labelled fraction of the training embeddings, after
    /// standardising both sets with the statistics of every training embedding.
    /// </summary>
    /// <param name="trainEmbeddings">Embeddings of every training image [N, D] (the fraction is drawn from them; their statistics standardise both sets).</param>
    /// <param name="trainLabels">Their classes, length N.</param>
    /// <param name="testEmbeddings">Embeddings of the test images [Q, D].</param>
    /// <param name="testLabels">Their classes, length Q.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="protocol">knn or linear.</param>
    /// <param name="fraction">Which labelled training images the classifier may use.</param>
    /// <param name="seed">Seeds the fraction's draw and the probe.</param>
    /// <param name="classifiers">The kNN classifier and the linear probe, and whether their k and C are chosen on held-out labelled images.</param>
    /// <param name="cancellationToken">Checked at every step of the probe's fit.</param>
    public static (double Accuracy, int Labelled, IReadOnlyDictionary<string, double> Settings) Score(
        Tensor trainEmbeddings, int[] trainLabels, Tensor testEmbeddings, int[] testLabels, int classCount,
        EvaluationProtocol protocol, LabelFraction fraction, int seed, EvaluationClassifiers classifiers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainEmbeddings);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testEmbeddings);
        ArgumentNullException.ThrowIfNull(testLabels);
        ArgumentNullException.ThrowIfNull(fraction);

        (Tensor standardTrain, Tensor standardTest) = FeatureStandardization.Apply(trainEmbeddings, testEmbeddings);
        using (standardTrain)
        using (standardTest)
        {
            (double accuracy, int labelled, IReadOnlyDictionary<string, double> settings, _) = ScoreStandardized(
                standardTrain, trainLabels, standardTest, testLabels, classCount, protocol, fraction, seed, classifiers, cancellationToken);
            return (accuracy, labelled, settings);
        }
    }

    // Score on features FeatureStandardization has already standardised; also each test image's predicted class.
    private static (double Accuracy, int Labelled, IReadOnlyDictionary<string, double> Settings, int[] Predictions) ScoreStandardized(
        Tensor trainEmbeddings, int[] trainLabels, Tensor testEmbeddings, int[] testLabels, int classCount,
        EvaluationProtocol protocol, LabelFraction fraction, int seed, EvaluationClassifiers classifiers,
        CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        int[] chosen = fraction.Select(trainLabels, classCount, seed);
        Tensor chosenIndices = tensor(chosen.Select(i => (long)i).ToArray());
        Tensor bank = trainEmbeddings.index_select(0, chosenIndices);
        int[] chosenLabels = chosen.Select(i => trainLabels[i]).ToArray();
        Tensor bankLabels = tensor(chosenLabels.Select(label => (long)label).ToArray());
        Tensor predictions;
        Dictionary<string, double> settings;
        switch (protocol)
        {
            case EvaluationProtocol.Knn:
                KnnClassifier knn = !classifiers.Tune ? classifiers.Knn : Best(
                    EvaluationClassifiers.KCandidates.Select(k => new KnnClassifier(k, classifiers.Knn.Temperature)), bank, chosenLabels, classCount, seed,
                    (candidate, fit, fitLabels, held) => candidate.Predict(fit, fitLabels, held, classCount));
                predictions = knn.Predict(bank, bankLabels, testEmbeddings, classCount);
                settings = Settings(knn, classifiers.Tune);
                break;
            case EvaluationProtocol.Linear:
                LinearProbe probe = !classifiers.Tune ? classifiers.Probe : Best(
                    EvaluationClassifiers.CCandidates.Select(c => new LinearProbe(classifiers.Probe.Steps, classifiers.Probe.LearningRate, c)), bank,
                    chosenLabels, classCount, seed, (candidate, fit, fitLabels, held) => candidate.FitPredict(fit, fitLabels, held, classCount, seed, cancellationToken));
                predictions = probe.FitPredict(bank, bankLabels, testEmbeddings, classCount, seed, cancellationToken);
                settings = Settings(probe, classifiers.Tune);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null);
        }
        return (Accuracy(predictions, testLabels), chosen.Length, settings, predictions.cpu().to(ScalarType.Int32).data<int>().ToArray());
    }

    /// <summary>
    /// The settings a kNN result records: k, T, whether k was chosen by tuning, and that the features were standardised
    /// (<see cref="StandardizedSetting"/>).
    /// </summary>
    public static Dictionary<string, double> Settings(KnnClassifier knn, bool tuned)
    {
        ArgumentNullException.ThrowIfNull(knn);
        return new Dictionary<string, double>
        {
            ["k"] = knn.K, ["temperature"] = knn.Temperature, ["tuned"] = tuned ? 1 : 0, [StandardizedSetting] = 1,
        };
    }

    /// <summary>
    /// The settings a linear-probe result records: steps, learning rate, C, whether C was chosen by tuning, and that the
    /// features were standardised (<see cref="StandardizedSetting"/>).
    /// </summary>
    public static Dictionary<string, double> Settings(LinearProbe probe, bool tuned)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return new Dictionary<string, double>
        {
            ["steps"] = probe.Steps, ["learningRate"] = probe.LearningRate, ["C"] = probe.InverseRegularization, ["tuned"] = tuned ? 1 : 0,
            [StandardizedSetting] = 1,
        };
    }

    /// <summary>
    /// The setting that marks a result scored on standardised features (1); results stored before every representation
    /// was standardised lack it, so they are not taken for results made the current way.
    /// </summary>
    public const string StandardizedSetting = "standardized";

    /// <summary>The setting <see cref="EvaluationClassifiers.Tune"/> chooses for a protocol: k for kNN, C for the probe.</summary>
    public static string TunedSetting(EvaluationProtocol protocol) => protocol == EvaluationProtocol.Knn ? "k" : "C";

    // The candidate most accurate on a stratified part of the labelled set when fitted on the rest (the first of equals).
    private static T Best<T>(IEnumerable<T> candidates, Tensor bank, int[] bankLabels, int classCount, int seed,
        Func<T, Tensor, Tensor, Tensor, Tensor> fitPredict)
    {
        using var scope = NewDisposeScope();
        (int[] fit, int[] held) = ValidationSplit.Stratified(bankLabels, classCount, EvaluationClassifiers.ValidationFraction, seed);
        Tensor fitBank = bank.index_select(0, tensor(fit.Select(i => (long)i).ToArray()));
        Tensor fitLabels = tensor(fit.Select(i => (long)bankLabels[i]).ToArray());
        Tensor heldBank = bank.index_select(0, tensor(held.Select(i => (long)i).ToArray()));
        int[] heldLabels = held.Select(i => bankLabels[i]).ToArray();
        return candidates.Select(candidate => (Candidate: candidate, Accuracy: Accuracy(fitPredict(candidate, fitBank, fitLabels, heldBank), heldLabels)))
            .Aggregate((best, next) => next.Accuracy > best.Accuracy ? next : best).Candidate;
    }

    private static double Accuracy(Tensor predictions, int[] labels) =>
        (double)predictions.eq(tensor(labels.Select(label => (long)label).ToArray())).sum().item<long>() / labels.Length;
}
