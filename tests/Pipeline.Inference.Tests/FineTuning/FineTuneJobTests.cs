using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.SafeTensors;
using Pipeline.Data.Tests;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;
using Pipeline.Runs;

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
        Assert.Equal(done.Config.ModelSha256, result.GetProperty("sourceEncoderSha256").GetString());
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

    // What a SIGKILL can leave in metrics.jsonl past the last checkpoint (epoch 2): half of epoch 3's line, or all of it
    // (killed after the line, before epoch 3's checkpoint). Resumed, the run logs every epoch once, as an uninterrupted one.
    [Theory]
    [InlineData("{\"epoch\":3,\"epochs\":4,\"st")]
    [InlineData(null)]
    public void Resume_AfterAKillPastTheLastCheckpoint_LogsEveryEpochOnce_AsAnUninterruptedRun(string? leftOver)
    {
        FineTuneJobOptions options = _options with { Epochs = 4 };
        var job = new FineTuneJob();
        job.Run(options with { Output = _temp.File("uninterrupted") });
        StopAfterEpoch2(job, options);
        var folder = new FineTuneRunFolder(options.Output);
        string[] logged = File.ReadAllLines(folder.MetricsPath);
        Assert.Equal(2, logged.Length);
        File.AppendAllText(folder.MetricsPath, leftOver ?? logged[1].Replace("\"epoch\":2,", "\"epoch\":3,", StringComparison.Ordinal) + "\n");

        job.Run(options with { Resume = true });

        Assert.Equal(WithoutTimes(Path.Combine(_temp.File("uninterrupted"), FineTuneRunFolder.MetricsFile)), WithoutTimes(folder.MetricsPath));
    }

    [Fact]
    public void Resume_ARunFolderWrittenBeforeTheOneCasing_ContinuesAsAnUninterruptedRun()
    {
        FineTuneJobOptions options = _options with { Epochs = 4 };
        var job = new FineTuneJob();
        FineTuneJobResult uninterrupted = job.Run(options with { Output = _temp.File("uninterrupted") });
        StopAfterEpoch2(job, options);
        var folder = new FineTuneRunFolder(options.Output);
        WriteAsBeforeTheOneCasing(folder);

        FineTuneJobResult resumed = job.Run(options with { Resume = true });

        Assert.Equal(uninterrupted.Training.TrainingLoss, resumed.Training.TrainingLoss);
        Assert.Equal(WithoutTimes(Path.Combine(_temp.File("uninterrupted"), FineTuneRunFolder.MetricsFile)), WithoutTimes(folder.MetricsPath));
        Assert.Contains("\"model_sha256\"", File.ReadAllText(folder.SettingsPath));
        Assert.Contains("\"sourceEncoderSha256\"", File.ReadAllText(folder.ResultPath));
    }

    [Fact]
    public void Run_EncoderWithAnotherHash_IsRefusedBeforeAnythingIsWritten()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            new FineTuneJob().Run(_options with { ModelOptions = new EmbeddingModelOptions { ExpectedSha256 = new string('0', 64) } }));

        Assert.Contains("not the expected 0000", error.Message);
        Assert.False(Path.Exists(_options.Output));
    }

    // Runs until epoch 2's checkpoint is written, then stops as a cancelled run does.
    private static void StopAfterEpoch2(FineTuneJob job, FineTuneJobOptions options)
    {
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => job.Run(options, progress: new SynchronousProgress<FineTuneProgress>(epoch =>
        {
            if (epoch.Epoch == 2)
            {
                stop.Cancel(); // training stops at epoch 3's first step, after epoch 2's checkpoint
            }
        }), cancellationToken: stop.Token));
    }

    // Rewrites a run folder's files as pipeline-infer finetune wrote them before the one casing: snake_case names and the
    // class balance as a number, in finetune.json, artifacts.json, metrics.jsonl and the checkpoint's metadata.
    private static void WriteAsBeforeTheOneCasing(FineTuneRunFolder folder)
    {
        var indented = new JsonSerializerOptions { WriteIndented = true };
        string artifacts = Path.Combine(folder.ArtifactsPath, ArtifactsManifest.FileName);
        foreach (string file in (string[])[folder.SettingsPath, artifacts])
        {
            File.WriteAllText(file, Snake(JsonNode.Parse(File.ReadAllText(file)))!.ToJsonString(indented));
        }
        File.WriteAllLines(folder.MetricsPath, File.ReadAllLines(folder.MetricsPath).Select(line => Snake(JsonNode.Parse(line))!.ToJsonString()));
        SafeTensorsContent checkpoint = SafeTensorsFile.Read(folder.CheckpointPath);
        SafeTensorsFile.Write(folder.CheckpointPath, [.. checkpoint.Tensors.Values], checkpoint.Metadata.ToDictionary(
            entry => LegacyNames.Of(entry.Key), entry => entry.Key == "options" ? Snake(JsonNode.Parse(entry.Value))!.ToJsonString() : entry.Value));
    }

    // A document with snake_case member names; the keys of an artifacts manifest's files are file names, kept.
    private static JsonNode? Snake(JsonNode? node, bool members = true) => node switch
    {
        JsonObject named => new JsonObject(named.Select(member => KeyValuePair.Create(members ? LegacyNames.Of(member.Key) : member.Key,
            member.Key == "classBalance"
                ? JsonValue.Create((int)Enum.Parse<ClassBalance>(member.Value!.GetValue<string>(), ignoreCase: true))
                : Snake(member.Value, members: member.Key != "files")))),
        JsonArray items => new JsonArray([.. items.Select(item => Snake(item))]),
        _ => node?.DeepClone(),
    };

    // The lines of a metrics log without their wall-clock times, which differ from run to run.
    private static string[] WithoutTimes(string metrics) =>
        [.. File.ReadAllLines(metrics).Select(line =>
        {
            JsonObject epoch = JsonNode.Parse(line)!.AsObject();
            epoch.Remove("elapsed");
            return epoch.ToJsonString();
        })];
}
