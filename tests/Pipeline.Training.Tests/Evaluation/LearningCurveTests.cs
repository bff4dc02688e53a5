using Pipeline.Data;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class LearningCurveTests
{
    private const string Images = "fashion-mnist:test";

    private static readonly (EvaluationProtocol, LabelFraction)[] KnnAndLinear =
        [(EvaluationProtocol.Knn, LabelFraction.Parse("100")), (EvaluationProtocol.Linear, LabelFraction.Parse("100"))];

    private static EvaluationClassifiers Classifiers(int k) => new(new KnnClassifier(k, 0.1), new LinearProbe(steps: 20));

    // A tiny simclr run of two epochs of two steps, with a checkpoint at the end of each: steps 2 and 4.
    private static RunDirectory TwoEpochRun(TempDirectory folder)
    {
        var run = new RunDirectory(folder.File("run"));
        ImageSet images = TinyRun.Images(64);
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 2, checkpointEvery: 2), images, run, resume: false);
        return run;
    }

    [Fact]
    public void EvaluateAlongRun_ScoresEveryCheckpointAtItsEpochAndTime_ThenOnlyWhatWasNotScoredTheSameWay()
    {
        using var folder = new TempDirectory();
        RunDirectory run = TwoEpochRun(folder);
        var reported = new List<EvaluationResult>();
        var progress = new Recorder(reported);

        LearningCurve curve = RunEvaluation.EvaluateAlongRun(run, Images, Images, KnnAndLinear, seed: 0, CPU, Classifiers(k: 20), progress);

        Assert.Equal([2L, 4L], curve.Points.Select(point => point.Step));
        Assert.Equal([1, 2], curve.Points.Select(point => point.Epoch));
        Assert.InRange(curve.Points[0].TrainingSeconds, double.Epsilon, curve.Points[1].TrainingSeconds);
        Assert.Equal(["knn 100", "linear 100"], curve.Figures());
        Assert.All(curve.Points, point => Assert.Equal(["knn 100", "linear 100"], point.Results.Select(LearningCurve.FigureName)));
        Assert.Equal(4, reported.Count);
        Assert.All(reported, result => Assert.InRange(result.Accuracy, 0.2, 1.0));
        Assert.False(File.Exists(Path.Combine(run.EvaluationDirectory, "knn-100.json")), "the curve keeps to eval/curve/");

        reported.Clear();
        RunEvaluation.EvaluateAlongRun(run, Images, Images, KnnAndLinear, seed: 0, CPU, Classifiers(k: 20), progress);
        Assert.Empty(reported);

        LearningCurve rescored = RunEvaluation.EvaluateAlongRun(run, Images, Images, KnnAndLinear, seed: 0, CPU, Classifiers(k: 5), progress);
        Assert.Equal(["knn", "knn"], reported.Select(result => result.Protocol));
        Assert.All(rescored.Points, point => Assert.Equal(5, point.Results.Single(result => result.Protocol == "knn").Settings["k"]));
        Assert.Equal(
            curve.Points.Select(point => point.Results.Single(result => result.Protocol == "linear").Accuracy),
            rescored.Points.Select(point => point.Results.Single(result => result.Protocol == "linear").Accuracy));
    }

    [Fact]
    public void Read_AStepTheMetricsDoNotLog_IsRefusedNamingTheFolder()
    {
        using var folder = new TempDirectory();
        RunDirectory run = TwoEpochRun(folder);
        RunDirectory.WriteJsonAtomically(Path.Combine(LearningCurve.StepDirectory(run, 99), "knn-100.json"), new EvaluationResult(
            "knn", "100", 100, 100, 0.5, Images, Images, "step-00000099.safetensors", 99, "simclr", "convnet", new Dictionary<string, double>(), 1));

        var error = Assert.Throws<InvalidDataException>(() => LearningCurve.Read(run));

        Assert.Contains("step-00000099", error.Message);
        Assert.Contains("does not log", error.Message);
    }

    [Fact]
    public void Read_NothingEvaluatedAlongTheRun_HasNoPoints()
    {
        using var folder = new TempDirectory();

        Assert.Empty(LearningCurve.Read(new RunDirectory(folder.File("run"))).Points);
    }

    private sealed class Recorder(List<EvaluationResult> reported) : IProgress<IReadOnlyList<EvaluationResult>>
    {
        public void Report(IReadOnlyList<EvaluationResult> value) => reported.AddRange(value);
    }
}
