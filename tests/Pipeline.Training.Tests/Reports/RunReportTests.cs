using System.Text.RegularExpressions;
using Pipeline.Data;
using Pipeline.Figures;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Reports;
using Pipeline.Training.Tests.Pretraining;
using SkiaSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Reports;

[Collection(TorchCollection.Name)]
public sealed partial class RunReportTests
{
    [Fact]
    public void Write_VaeRun_DrawsCurvesEvaluationsMapReconstructionsSamplesAndInterpolations()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        ImageSet images = TinyRun.Images(64);
        PretrainResult result = new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: "vae"), images, run, resume: false);
        // As evaluate writes them, for this checkpoint.
        RunDirectory.WriteJsonAtomically(Path.Combine(run.EvaluationDirectory, "knn-100pct.json"), new EvaluationResult(
            "knn", "100%", 60000, 10000, 0.6543, "fashion-mnist:train", "fashion-mnist:test", result.Checkpoint, result.Steps, "vae",
            "convnet", new Dictionary<string, double>(), 1));
        RunDirectory.WriteJsonAtomically(Path.Combine(run.EvaluationDirectory, ElboResult.FileName(1)), new ElboResult(
            "elbo", -321.5, 300.25, 21.25, 1, "bernoulli", 10000, "fashion-mnist:test", result.Checkpoint, result.Steps, "vae", "convnet", 0, 1));

        IReadOnlyList<string> files = RunReport.Write(run, null, null, RunReport.DefaultDirectory(run), CPU);

        Assert.Equal(
            ["loss.png", "reconstruction.png", "kl.png", "evaluation.png", "embeddings-pca.png", "reconstructions.png", "samples.png", "interpolation.png", "README.md"],
            files.Select(Path.GetFileName));
        foreach (string chart in new[] { "loss.png", "kl.png", "evaluation.png", "embeddings-pca.png" })
        {
            AssertDrawn(Path.Combine(RunReport.DefaultDirectory(run), chart), Charts.Width, Charts.Height);
        }
        // Grids of 28×28 images, 10 columns, 3× enlarged, 1-pixel gaps: 2 rows of reconstructions, 8 of samples, 2 of interpolations.
        AssertDrawn(Path.Combine(RunReport.DefaultDirectory(run), "reconstructions.png"), 3 * (10 * 29 + 1), 3 * (2 * 29 + 1));
        AssertDrawn(Path.Combine(RunReport.DefaultDirectory(run), "samples.png"), 3 * (10 * 29 + 1), 3 * (8 * 29 + 1));
        AssertDrawn(Path.Combine(RunReport.DefaultDirectory(run), "interpolation.png"), 3 * (10 * 29 + 1), 3 * (5 * 29 + 1));
        string readme = File.ReadAllText(files[^1]);
        AssertEveryFigureLinked(readme, files);
        Assert.Contains("| knn | 100% | 60000 | 65.43% | 10000 of fashion-mnist:test |", readme);
        Assert.Contains("**-321.50 nats per image** = −(reconstruction 300.25 + KL 21.25)", readme);
        Assert.Contains("convnet, 1×28×28 → 32 features → 8 (μ, the embedding)", readme);
    }

    [Fact]
    public void Write_RotationRun_DrawsItsAccuracyCurve_AndNoImages()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        ImageSet images = TinyRun.Images(64);
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: "rotation"), images, run, resume: false);

        IReadOnlyList<string> files = RunReport.Write(run, null, null, folder.File("elsewhere"), CPU);

        Assert.Equal(["loss.png", "accuracy.png", "embeddings-pca.png", "README.md"], files.Select(Path.GetFileName));
        string readme = File.ReadAllText(files[^1]);
        AssertEveryFigureLinked(readme, files);
        Assert.Contains("None yet: `pipeline-train evaluate", readme);
    }

    [Fact]
    public void Write_RunEvaluatedAlongTheWay_DrawsAccuracyAgainstEpochsAndTrainingTime()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        ImageSet images = TinyRun.Images(64);
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 2, checkpointEvery: 2, method: "rotation"), images, run, resume: false);
        // As evaluate --every-checkpoint writes them: steps 2 and 4 end epochs 1 and 2.
        foreach ((long step, double accuracy) in new[] { (2L, 0.5), (4L, 0.625) })
        {
            foreach (string protocol in new[] { "knn", "linear" })
            {
                RunDirectory.WriteJsonAtomically(Path.Combine(LearningCurve.StepDirectory(run, step), $"{protocol}-1pct.json"), new EvaluationResult(
                    protocol, "1%", 600, 10000, accuracy, "fashion-mnist:train", "fashion-mnist:test", run.CheckpointPath(step), step, "rotation",
                    "convnet", new Dictionary<string, double>(), 1));
            }
        }

        IReadOnlyList<string> files = RunReport.Write(run, null, null, RunReport.DefaultDirectory(run), CPU);

        Assert.Equal(["loss.png", "accuracy.png", "learning-curve-epochs.png", "learning-curve-time.png", "embeddings-pca.png", "README.md"],
            files.Select(Path.GetFileName));
        AssertDrawn(files[2], Charts.Width, Charts.Height);
        AssertDrawn(files[3], Charts.Width, Charts.Height);
        string readme = File.ReadAllText(files[^1]);
        AssertEveryFigureLinked(readme, files);
        Assert.Contains("| epoch | step | training time | knn 1% | linear 1% |", readme);
        Assert.Matches(@"\| 1 \| 2 \| \d+\.\d min \| 50\.00% \| 50\.00% \|", readme);
        Assert.Matches(@"\| 2 \| 4 \| \d+\.\d min \| 62\.50% \| 62\.50% \|", readme);
    }

    private static void AssertEveryFigureLinked(string readme, IReadOnlyList<string> files)
    {
        string[] linked = ImageLink().Matches(readme).Select(match => match.Groups[1].Value).ToArray();
        Assert.Equal(files.Take(files.Count - 1).Select(Path.GetFileName), linked);
    }

    /// <summary>A PNG of the given size with something drawn: more than a few percent of its pixels are not white.</summary>
    private static void AssertDrawn(string path, int width, int height)
    {
        using SKBitmap image = SKBitmap.Decode(path);
        Assert.Equal((width, height), (image.Width, image.Height));
        int marked = image.Pixels.Count(pixel => pixel != SKColors.White);
        Assert.True(marked > image.Pixels.Length / 50, $"{Path.GetFileName(path)} is nearly blank: {marked} of {image.Pixels.Length} pixels drawn");
    }

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex ImageLink();
}
