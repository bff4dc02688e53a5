using Pipeline.Data;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class RunEvaluationTests
{
    private const string Images = "fashion-mnist:test";

    private static readonly (EvaluationProtocol, LabelFraction)[] KnnAndLinear =
        [(EvaluationProtocol.Knn, LabelFraction.Parse("100")), (EvaluationProtocol.Linear, LabelFraction.Parse("100"))];

    private static readonly EvaluationClassifiers Classifiers = new(new KnnClassifier(20, 0.1), new LinearProbe(steps: 20));

    // A tiny simclr run of one epoch of two steps.
    private static RunDirectory OneEpochRun(TempDirectory folder)
    {
        var run = new RunDirectory(folder.File("run"));
        ImageSet images = TinyRun.Images(64);
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1), images, run, resume: false);
        return run;
    }

    private static string[] FilesUnder(string folder) =>
        [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(folder, path)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Evaluate_WithAPredictionsFolder_WritesTheCheckpointsPredictions_AndWithoutOneOnlyTheResults()
    {
        using var folder = new TempDirectory();
        RunDirectory run = OneEpochRun(folder);
        string[] before = FilesUnder(folder.Path);

        RunEvaluation.Evaluate(run, null, Images, Images, KnnAndLinear, seed: 0, CPU, Classifiers);

        Assert.Equal(before.Concat([Path.Combine("run", "eval", "knn-100.json"), Path.Combine("run", "eval", "linear-100.json")]).Order(StringComparer.Ordinal),
            FilesUnder(folder.Path));

        string directory = Path.Combine(folder.Path, "predictions");
        IReadOnlyList<EvaluationResult> results = RunEvaluation.Evaluate(run, null, Images, Images, KnnAndLinear, seed: 0, CPU, Classifiers,
            directory);

        int[] testLabels = DatasetLoader.Load(Images).RequireLabels();
        Assert.Equal(["knn-100.csv", "linear-100.csv"], FilesUnder(directory));
        foreach (EvaluationResult result in results)
        {
            string path = Path.Combine(directory, EvaluationPredictions.FileName(result));
            (int[] labels, _) = EvaluationPredictionsTests.Read(path);
            Assert.Equal(testLabels, labels);
            Assert.Equal(result.Accuracy, EvaluationPredictionsTests.Accuracy(path));
            Assert.NotNull(result.Checkpoint);
        }
    }
}
