using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneJobTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FineTuneJobOptions _options;

    public FineTuneJobTests()
    {
        string encoder = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5).Write(_temp.File("encoder.onnx"));
        string data = TestImages.WriteClassFolders(FineTuneFixture.Images(10), Path.Combine(_temp.Path, "textures"));
        _options = new FineTuneJobOptions
        {
            Model = encoder,
            Data = DatasetUri.Parse("folder:" + data),
            Output = Path.Combine(_temp.Path, "run"),
            Recipe = FineTuneRecipe.Frozen,
            Epochs = 3,
            BatchSize = 8,
            LearningRate = 0.03,
            ValidationFraction = 0,
        };
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Run_WithoutAShell_PlansThenWritesTheWholeRunFolder()
    {
        var plans = new List<FineTunePlan>();
        var epochs = new List<FineTuneProgress>();

        FineTuneJobResult done = new FineTuneJob().Run(_options, plans.Add, new SynchronousProgress<FineTuneProgress>(epochs.Add));

        FineTunePlan plan = Assert.Single(plans);
        Assert.Equal((30, FineTuneRecipe.Frozen), (plan.LabelledImages, plan.Recipe));
        Assert.Equal(done.Config, plan.Config);
        Assert.Equal([1, 2, 3], epochs.Select(epoch => epoch.Epoch));
        var folder = new FineTuneRunFolder(_options.Output);
        Assert.Equal(done.Config, folder.ReadConfig());
        Assert.Equal(3, File.ReadAllLines(folder.MetricsPath).Length);
        Assert.Equal(30, ImageIdFile.Read(folder.LabelledPath).Count);
        Assert.True(File.Exists(folder.CheckpointPath));
        Assert.Equal(folder.InferenceModelPath, done.InferenceModelPath);
        JsonElement result = JsonDocument.Parse(File.ReadAllText(folder.ResultPath)).RootElement;
        Assert.Equal(done.Config.ModelSha256, result.GetProperty("source_encoder_sha256").GetString());
        Assert.Equal(("linear", "none", "adamw", 3), (result.GetProperty("head").GetString(), result.GetProperty("unfreeze").GetString(),
            result.GetProperty("optimizer").GetString(), result.GetProperty("epochs").GetInt32()));
    }

    [Fact]
    public void Run_IntoAFolderThatDoesNotFit_IsRefusedSayingHow_AndWritesNothing()
    {
        var job = new FineTuneJob();

        var none = Assert.Throws<FineTuneRunConflictException>(() => job.Run(_options with { Resume = true }));
        Assert.Equal(FineTuneRunConflict.HoldsNoRun, none.Conflict);
        Assert.False(Path.Exists(_options.Output));
        job.Run(_options);
        var held = Assert.Throws<FineTuneRunConflictException>(() => job.Run(_options));
        var other = Assert.Throws<FineTuneRunConflictException>(() => job.Run(_options with { Resume = true, Epochs = 4 }));

        Assert.Equal(FineTuneRunConflict.HoldsARun, held.Conflict);
        Assert.Equal(FineTuneRunConflict.OtherSettings, other.Conflict);
        Assert.Equal(["training.epochs"], other.Difference!.Changed);
        Assert.DoesNotContain("--", held.Message + other.Message + none.Message);
        Assert.Equal(3, job.Run(_options with { Resume = true }).Training.Epochs);
    }

    [Fact]
    public void Run_EncoderWithAnotherHash_IsRefusedBeforeAnythingIsWritten()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            new FineTuneJob().Run(_options with { ModelOptions = new EmbeddingModelOptions { ExpectedSha256 = new string('0', 64) } }));

        Assert.Contains("not the expected 0000", error.Message);
        Assert.False(Path.Exists(_options.Output));
    }
}
