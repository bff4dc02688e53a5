using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class PixelBaselineTests
{
    private static readonly string[] TwoClasses = ["a", "b"];

    [Fact]
    public void Features_AreFlattenedGreyLevelsInZeroToOne()
    {
        var train = new ImageSet("train", [0, 7, 255, 7, 255, 7], 3, 1, 1, 2, [0, 1, 1], TwoClasses);
        var test = new ImageSet("test", [170, 9], 1, 1, 1, 2, [1], TwoClasses);

        (Tensor trainFeatures, Tensor testFeatures) = PixelBaseline.Features(train, test);
        using (trainFeatures)
        using (testFeatures)
        {
            Assert.Equal([3L, 2], trainFeatures.shape);
            Assert.Equal([0f, 7 / 255f, 1f, 7 / 255f, 1f, 7 / 255f], trainFeatures.data<float>().ToArray());
            Assert.Equal([170 / 255f, 9 / 255f], testFeatures.data<float>().ToArray());
        }
    }

    [Fact]
    public void Features_SetsOfDifferentShapes_AreRefusedNamingBoth()
    {
        var train = new ImageSet("train", new byte[8], 2, 1, 2, 2, null, TwoClasses);
        var test = new ImageSet("test", new byte[18], 2, 1, 3, 3, null, TwoClasses);

        var error = Assert.Throws<InvalidSettingException>(() => PixelBaseline.Features(train, test));

        Assert.Contains("train is 1x2x2", error.Message);
        Assert.Contains("test is 1x3x3", error.Message);
    }

    [Fact]
    public void Evaluate_WithAPredictionsFolder_WritesThePixelsPredictionsAsARunsAre()
    {
        using var folder = new TempDirectory();
        string directory = Path.Combine(folder.Path, "pixels");

        IReadOnlyList<EvaluationResult> results = PixelBaseline.Evaluate("fashion-mnist:test", "fashion-mnist:test",
            [(EvaluationProtocol.Knn, LabelFraction.Parse("100")), (EvaluationProtocol.Linear, LabelFraction.Parse("100"))], 0,
            new EvaluationClassifiers(new KnnClassifier(k: 20), new LinearProbe(steps: 20)), directory);

        int[] testLabels = DatasetLoader.Load("fashion-mnist:test").RequireLabels();
        Assert.Equal(["knn-100.csv", "linear-100.csv"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        foreach (EvaluationResult result in results)
        {
            string path = Path.Combine(directory, EvaluationPredictions.FileName(result));
            (int[] labels, _) = EvaluationPredictionsTests.Read(path);
            Assert.Equal(testLabels, labels);
            Assert.Equal(result.Accuracy, EvaluationPredictionsTests.Accuracy(path));
            Assert.InRange(result.Accuracy, 0.4, 0.99);
        }
    }

    [Fact]
    public void Evaluate_Elbo_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => PixelBaseline.Evaluate("fashion-mnist:test", "fashion-mnist:test",
            [(EvaluationProtocol.Elbo, LabelFraction.Parse("100%"))], 0, new EvaluationClassifiers(new KnnClassifier(), new LinearProbe())));

        Assert.Contains("no ELBO", error.Message);
    }
}
