using Pipeline.Data;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Evaluation;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Tests.Pretraining;

public sealed class RunDirectoryTests
{
    [Fact]
    public void WriteConfigThenRead_KeepsEverySetting_IncludingAugmentationRanges()
    {
        using var folder = new TempDirectory();
        var images = new ImageSet("synthetic", new byte[4 * 28 * 28], 4, 1, 28, 28, null, []);
        PretrainConfig config = TinyRun.Config(images) with
        {
            Method = SimClrSettings.Default with
            {
                Augmentation = new SimClrAugmentationOptions { CropScale = (0.2, 0.9), CropAspectRatio = (0.5, 2.0), BlurSigma = (0.3, 1.5) },
            },
        };
        var run = new RunDirectory(folder.File("run"));

        run.WriteConfig(config);
        PretrainConfig read = run.ReadConfig();

        SimClrAugmentationOptions views = Assert.IsType<SimClrSettings>(read.Method).Augmentation;
        Assert.Equal((0.2, 0.9), views.CropScale);
        Assert.Equal((0.5, 2.0), views.CropAspectRatio);
        Assert.Equal((0.3, 1.5), views.BlurSigma);
        Assert.Equal(config.Encoder.Mean, read.Encoder.Mean);
        Assert.Equal(config.Optimizer, read.Optimizer);
        Assert.Contains("\"cropScale\": [\n", File.ReadAllText(run.ConfigPath).Replace("\r", ""));
    }

    [Fact]
    public void FormerReferenceRun_WrittenBeforeTheSharedJsonConventions_StillReads()
    {
        // The run.json, eval/ and the first epoch of metrics.jsonl of the reference run shipped on 2026-12-02, kept as
        // they were written: newer settings (precision, erasing, learning-rate changes, distillation) absent.
        var run = new RunDirectory(RepositoryRoot.Combine("tests", "Pipeline.Training.Tests", "Pretraining", "Fixtures", "reference-run-2026-12-02"));

        PretrainConfig config = run.ReadConfig();
        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        StoredEvaluations evaluations = StoredEvaluations.Read(run);

        Assert.Equal("simclr", config.Method.Name);
        Assert.Equal(256, config.Encoder.EmbeddingDim);
        Assert.Equal(OptimizerKind.Sgd, config.Optimizer.Kind);
        Assert.Equal((0.2, 1.0), Assert.IsType<SimClrSettings>(config.Method).Augmentation.CropScale);
        Assert.Null(config.Limit);
        Assert.Equal(TrainingPrecision.Fp32, config.Precision);
        Assert.Equal(235, metrics.Count);
        Assert.Equal(235, metrics[^1].Step);
        Assert.Equal(["knn", "knn", "knn", "linear", "linear", "linear"], evaluations.Accuracies.Select(result => result.Protocol));
    }

    [Fact]
    public void ReadConfig_NotARunFolder_SaysWhatToPointAt()
    {
        using var folder = new TempDirectory();

        var error = Assert.Throws<DataFormatException>(() => new RunDirectory(folder.Path).ReadConfig());
        Assert.Contains("Give the folder a pretraining run wrote", error.Message);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{ "method": 5 }""")]
    [InlineData("""{ "method": { "name": "simclr" } }""")]
    public void ReadConfig_OfADamagedRunJson_SaysWhichFileAndWhatToDo(string content)
    {
        using var folder = new TempDirectory();
        File.WriteAllText(Path.Combine(folder.Path, "run.json"), content);

        var error = Assert.Throws<InvalidDataException>(() => new RunDirectory(folder.Path).ReadConfig());

        Assert.StartsWith($"{Path.Combine(folder.Path, "run.json")} is not a run config (", error.Message);
        Assert.EndsWith("restore it, or give the folder a pretraining run wrote.", error.Message);
    }

    [Fact]
    public void Checkpoints_AreOrderedByStep()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.Path);
        foreach (long step in new long[] { 20, 3, 100 })
        {
            File.WriteAllText(folder.File(Path.Combine("checkpoints", Path.GetFileName(run.CheckpointPath(step)))), "");
        }

        Assert.Equal([3L, 20, 100], run.Checkpoints().Select(c => c.Step));
        Assert.EndsWith("step-00000100.safetensors", run.LatestCheckpoint());
    }
}
