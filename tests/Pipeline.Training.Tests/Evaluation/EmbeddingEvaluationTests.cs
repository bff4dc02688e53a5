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

    [Fact]
    public void ScoreEach_WithAPredictionsFolder_WritesOneRowPerTestImage_WhoseAccuracyIsTheResults()
    {
        (Tensor train, int[] trainLabels) = AlternatingClusters(1);
        (Tensor test, int[] testLabels) = AlternatingClusters(2);
        string[] classes = ["even", "odd"];
        // The images are never looked at: the embeddings stand for them, the sets give the labels and classes.
        var trainSet = new ImageSet("train", new byte[trainLabels.Length], trainLabels.Length, 1, 1, 1, trainLabels, classes);
        var testSet = new ImageSet("test", new byte[testLabels.Length], testLabels.Length, 1, 1, 1, testLabels, classes);
        using var folder = new TempDirectory();
        string directory = Path.Combine(folder.Path, "predictions");

        // k = 200 with T = 1 gets some test images wrong (see AlternatingClusters), so a file of the true labels would not pass.
        IReadOnlyList<EvaluationResult> results = EmbeddingEvaluation.ScoreEach(train, trainSet, "train", test, testSet, "test",
            [(EvaluationProtocol.Knn, LabelFraction.Parse("100%")), (EvaluationProtocol.Linear, LabelFraction.Parse("50%"))], seed: 0,
            new EvaluationClassifiers(new KnnClassifier(k: 200, temperature: 1), new LinearProbe(steps: 50)),
            new EvaluatedSubject(null, 0, "test", "none"), embedSeconds: 0, directory);

        Assert.Equal(["knn-100pct.csv", "linear-50pct.csv"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.True(results[0].Accuracy < 0.9, $"k = 200 scored {results[0].Accuracy:P1}: every prediction may be the label");
        foreach (EvaluationResult result in results)
        {
            string path = Path.Combine(directory, EvaluationPredictions.FileName(result));
            (int[] labels, _) = EvaluationPredictionsTests.Read(path);
            Assert.Equal(testLabels, labels);
            Assert.Equal(result.Accuracy, EvaluationPredictionsTests.Accuracy(path));
        }
    }

    // Two dimensions with a large common offset (like non-negative ReLU features or grey levels): the first holds the
    // class (100 ± 0.5), the second noise of the same size (100 + N(0, 1)). Unstandardised, every vector points the same
    // way and the cosine sees mostly the noise; standardised, the class splits the plane in two half-planes.
    private static (Tensor Features, int[] Labels) OffsetFeatures(int seed, int count)
    {
        var random = new Random(seed);
        var values = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[2 * i] = (float)(100 + (labels[i] - 0.5) + 0.05 * (random.NextDouble() - 0.5));
            values[2 * i + 1] = (float)(100 + gaussian);
        }
        return (tensor(values).reshape(count, 2), labels);
    }

    [Theory]
    [InlineData(EvaluationProtocol.Knn)]
    [InlineData(EvaluationProtocol.Linear)]
    public void Score_StandardisesTheFeaturesFirst_SoAnOffsetDoesNotHideTheClass(EvaluationProtocol protocol)
    {
        (Tensor train, int[] trainLabels) = OffsetFeatures(1, 400);
        (Tensor test, int[] testLabels) = OffsetFeatures(2, 400);

        (double accuracy, _, IReadOnlyDictionary<string, double> settings) = EmbeddingEvaluation.Score(train, trainLabels, test, testLabels, 2,
            protocol, LabelFraction.Parse("100%"), seed: 0, new EvaluationClassifiers(new KnnClassifier(k: 5), new LinearProbe(steps: 200)));

        // Unstandardised, the cosine kNN scores about 63% here (the class moves a vector's angle no more than the noise does).
        Assert.True(accuracy > 0.95, $"{protocol} scored {accuracy:P1}");
        Assert.Equal(1, settings[EmbeddingEvaluation.StandardizedSetting]);
    }
}
