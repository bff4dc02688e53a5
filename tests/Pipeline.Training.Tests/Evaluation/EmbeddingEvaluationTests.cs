using Pipeline.Data;
using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class EmbeddingEvaluationTests
{
    // 20 tight clusters of 30 points around the unit circle, labelled 0, 1, 0, 1…: a point's own cluster tells its
    // class, while 200 neighbours reach across several clusters of both classes (with votes weighted almost alike, T = 1).
    private static (Tensor Embeddings, int[] Labels) AlternatingClusters(int seed)
    {
        var random = new Random(seed);
        var points = new List<float>();
        var labels = new List<int>();
        for (int cluster = 0; cluster < 20; cluster++)
        {
            for (int i = 0; i < 30; i++)
            {
                double angle = 2 * Math.PI * cluster / 20 + (random.NextDouble() - 0.5) * 0.04;
                points.AddRange([(float)Math.Cos(angle), (float)Math.Sin(angle)]);
                labels.Add(cluster % 2);
            }
        }
        return (tensor(points.ToArray()).reshape(labels.Count, 2), labels.ToArray());
    }

    private static (double Accuracy, IReadOnlyDictionary<string, double> Settings) Knn(bool tune)
    {
        (Tensor train, int[] trainLabels) = AlternatingClusters(1);
        (Tensor test, int[] testLabels) = AlternatingClusters(2);
        (double accuracy, _, IReadOnlyDictionary<string, double> settings) = EmbeddingEvaluation.Score(train, trainLabels, test, testLabels, 2,
            EvaluationProtocol.Knn, LabelFraction.Parse("100%"), seed: 0, new EvaluationClassifiers(new KnnClassifier(k: 200, temperature: 1), new LinearProbe(steps: 50), tune));
        return (accuracy, settings);
    }

    [Fact]
    public void Tune_ChoosesASmallK_WhereOnlyTheNearestNeighboursShareTheClass()
    {
        (double untuned, IReadOnlyDictionary<string, double> fixedSettings) = Knn(tune: false);
        (double tuned, IReadOnlyDictionary<string, double> tunedSettings) = Knn(tune: true);

        Assert.Equal(200, fixedSettings["k"]);
        Assert.Equal(0, fixedSettings["tuned"]);
        Assert.InRange(tunedSettings["k"], 5, 20);
        Assert.Equal(1, tunedSettings["tuned"]);
        Assert.Equal(1.0, tuned);
        Assert.True(untuned < 0.9, $"k = 200 scored {untuned:P1}: the data does not tell k apart");
    }

    [Fact]
    public void Tune_ChoosesTheProbesCAmongTheCandidates_AndRecordsIt()
    {
        (Tensor train, int[] trainLabels) = AlternatingClusters(1);
        (Tensor test, int[] testLabels) = AlternatingClusters(2);

        (_, _, IReadOnlyDictionary<string, double> settings) = EmbeddingEvaluation.Score(train, trainLabels, test, testLabels, 2,
            EvaluationProtocol.Linear, LabelFraction.Parse("100%"), seed: 0, new EvaluationClassifiers(new KnnClassifier(), new LinearProbe(steps: 50), Tune: true));

        Assert.Contains(settings["C"], EvaluationClassifiers.CCandidates);
        Assert.Equal(50, settings["steps"]);
        Assert.Equal(1, settings["tuned"]);
    }
}
