using System.Diagnostics;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Inference.Cli;
using Pipeline.Inference.FineTuning;
using Pipeline.Inference.Tests.FineTuning;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class FineTuneCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _encoder;
    private readonly string _data;

    public FineTuneCommandTests()
    {
        _encoder = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5).Write(_temp.File("encoder.onnx"));
        _data = WriteFolder(FineTuneFixture.Images(10), "textures");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task FineTune_ThenEvaluate_WritesTheRunAndScoresItAsJson()
    {
        string run = Path.Combine(_temp.Path, "run");

        (int exit, string stdout, string stderr) = await FineTune(run, "--epochs", "25", "--recipe", "frozen");

        Assert.True(exit == 0, stderr);
        Assert.Contains("fine-tuned a linear head (unfreeze none) on 30 labels of folder:", stdout);
        Assert.True(File.Exists(Path.Combine(run, "artifacts", ArtifactsManifest.FileName)));
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
        string[] metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(25, metrics.Length);
        Assert.Equal(25, JsonDocument.Parse(metrics[^1]).RootElement.GetProperty("epoch").GetInt32());

        (exit, stdout, stderr) = await CliRunner.RunAsync(InferCommand.Create(), "evaluate", "--model", Path.Combine(run, "inference_model.onnx"), "--data", "folder:" + _data, "--json");

        Assert.True(exit == 0, stderr);
        JsonElement report = JsonDocument.Parse(stdout).RootElement;
        Assert.InRange(report.GetProperty("accuracy").GetDouble(), 0.9, 1.0);
        Assert.Equal(30, report.GetProperty("count").GetInt32());
        Assert.Equal(30, report.GetProperty("confusionMatrix").EnumerateArray().Sum(row => row.EnumerateArray().Sum(cell => cell.GetInt32())));
        Assert.Equal(["flat", "horizontal", "vertical"], report.GetProperty("perClassAccuracy").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task FineTune_OnFewLabels_TakesTheFullRecipe_AndOptionsGivenReplaceItsSettings()
    {
        string run = Path.Combine(_temp.Path, "run");

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(),
            "finetune", "--model", _encoder, "--data", "folder:" + _data, "--out", run, "--epochs", "2", "--lr", "0.02");

        Assert.True(exit == 0, stderr);
        Assert.Contains("30 labelled images: the full recipe (unfreeze all, crops and flips", stderr);
        Assert.Contains("(unfreeze all) on 30 labels", stdout);
        FineTuneConfig settings = new FineTuneRunFolder(run).ReadConfig()!;
        Assert.Equal(("all", 0.1), (settings.Unfreeze.ToString(), settings.LabelSmoothing));
        Assert.Equal((true, 0.5, 0.0), (settings.Training.HorizontalFlip, settings.Training.MinCropScale, settings.Training.ValidationFraction));
        Assert.Equal((2, 0.02), (settings.Training.Epochs, settings.Training.LearningRate));
    }

    [Fact]
    public async Task FineTune_FrozenRecipe_TrainsTheHeadOnCachedFeatures_UnlessAugmentationIsAskedFor()
    {
        string frozen = Path.Combine(_temp.Path, "frozen");
        string flipped = Path.Combine(_temp.Path, "flipped");

        (int exit, string stdout, string stderr) = await FineTune(frozen, "--epochs", "2", "--recipe", "frozen");
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = await FineTune(flipped, "--epochs", "2", "--recipe", "frozen", "--augment", "flip");
        Assert.True(exit == 0, stderr);

        Assert.Contains("after caching features", stdout);
        FineTuneConfig settings = new FineTuneRunFolder(frozen).ReadConfig()!;
        Assert.Equal(("none", 0.0, false, 1.0), (settings.Unfreeze.ToString(), settings.LabelSmoothing, settings.Training.HorizontalFlip, settings.Training.MinCropScale));
        FineTuneConfig flips = new FineTuneRunFolder(flipped).ReadConfig()!;
        Assert.Equal(("none", true, 1.0), (flips.Unfreeze.ToString(), flips.Training.HorizontalFlip, flips.Training.MinCropScale));
    }

    [Fact]
    public async Task FineTune_WritesTheIdsOfItsLabelledImages_WhichAnotherRunTrainsOnAgainWithOtherSeeds()
    {
        string first = Path.Combine(_temp.Path, "first"), second = Path.Combine(_temp.Path, "second");

        (int exit, _, string stderr) = await FineTune(first, "--epochs", "1", "--labels", "40%", "--seed", "3");
        Assert.True(exit == 0, stderr);
        string labelled = Path.Combine(first, FineTuneRunFolder.LabelledFile);
        IReadOnlyList<string> ids = ImageIdFile.Read(labelled);
        (exit, _, stderr) = await FineTune(second, "--epochs", "1", "--labels", labelled, "--seed", "4");

        Assert.True(exit == 0, stderr);
        Assert.Equal(12, ids.Count);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(_data, id)), $"{id} is not an image of the folder"));
        Assert.Equal(ids.Order(StringComparer.Ordinal), ImageIdFile.Read(Path.Combine(second, FineTuneRunFolder.LabelledFile)).Order(StringComparer.Ordinal));
        (_, _, stderr) = await FineTune(Path.Combine(_temp.Path, "third"), "--epochs", "1", "--labels", "40%", "--seed", "4");
        Assert.NotEqual(ids.Order(StringComparer.Ordinal), ImageIdFile.Read(Path.Combine(_temp.Path, "third", FineTuneRunFolder.LabelledFile)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FineTune_UnknownRecipe_IsAUsageErrorNamingTheRecipes()
    {
        (int exit, _, string stderr) = await FineTune(Path.Combine(_temp.Path, "run"), "--recipe", "fast");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("auto", stderr);
        Assert.Contains("full", stderr);
        Assert.Contains("frozen", stderr);
    }

    [Fact]
    public async Task Evaluate_WithoutJson_PrintsAccuracyPerClassAndTheConfusionMatrix()
    {
        string run = Path.Combine(_temp.Path, "run");
        Assert.Equal(0, (await FineTune(run, "--epochs", "3")).Exit);

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "evaluate", "--model", Path.Combine(run, "inference_model.onnx"), "--data", "folder:" + _data);

        Assert.True(exit == 0, stderr);
        Assert.StartsWith("accuracy ", stdout);
        Assert.Contains("horizontal", stdout);
        Assert.Contains("confusion matrix (rows: actual, columns: predicted", stdout);
    }

    [Fact]
    public async Task FineTune_AgainIntoTheSameFolder_NeedsResume_AndResumeNeedsTheSameSettings()
    {
        string run = Path.Combine(_temp.Path, "run");
        Assert.Equal(0, (await FineTune(run, "--epochs", "2")).Exit);

        (int exit, _, string stderr) = await FineTune(run, "--epochs", "2");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("already holds a fine-tune run: pass --resume", stderr);

        (exit, _, stderr) = await FineTune(run, "--epochs", "3", "--resume");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--resume continues the run", stderr);
        Assert.Contains("\"epochs\":2", stderr);
        Assert.Contains("\"epochs\":3", stderr);

        (exit, string stdout, stderr) = await FineTune(run, "--epochs", "2", "--resume");
        Assert.True(exit == 0, stderr);
        Assert.Contains("for 2 epochs", stdout);
    }

    [Fact]
    public async Task FineTune_Diverged_Exits4AndLeavesNothing_SoTheSameCommandWithALowerLrRuns()
    {
        string run = Path.Combine(_temp.Path, "run");
        // An epoch is one step of all 30 images: the first finishes (a checkpoint, a metrics line), the second's loss overflows.
        string[] arguments = ["finetune", "--model", _encoder, "--data", "folder:" + _data, "--out", run, "--batch-size", "64",
            "--validation", "0%", "--epochs", "3", "--recipe", "frozen"];

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), [.. arguments, "--lr", "1e38"]);

        Assert.True(exit == ExitCodes.Diverged, $"exit {exit}: {stderr}");
        Assert.Contains("The training loss became", stderr);
        Assert.Contains("Nothing of the run was kept: run the same command again with a lower --lr.", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("fine-tuned", stdout);
        Assert.False(Path.Exists(run), $"a diverged run left {string.Join(", ", Directory.Exists(run) ? Directory.EnumerateFileSystemEntries(run) : [])}");

        (exit, stdout, stderr) = await CliRunner.RunAsync(InferCommand.Create(), [.. arguments, "--lr", "0.01"]);

        Assert.True(exit == 0, stderr);
        Assert.Contains("for 3 epochs", stdout);
    }

    [Fact]
    public async Task FineTune_ResumedBeforeItsFirstEpochFinished_StartsFromTheArtifactsAndEndsAsAnUninterruptedRun()
    {
        string run = Path.Combine(_temp.Path, "run");
        Assert.Equal(0, (await FineTune(run, "--epochs", "3", "--recipe", "frozen")).Exit);
        string checkpoint = Path.Combine(run, FineTuneRunFolder.CheckpointFile);
        byte[] uninterrupted = File.ReadAllBytes(checkpoint);
        // What a run stopped in its first epoch leaves: its settings and artifacts, nothing trained.
        foreach (string file in (string[])[FineTuneRunFolder.CheckpointFile, FineTuneRunFolder.MetricsFile, FineTuneRunFolder.InferenceModelFile, FineTuneRunFolder.ResultFile])
        {
            File.Delete(Path.Combine(run, file));
        }

        (int exit, string stdout, string stderr) = await FineTune(run, "--epochs", "3", "--recipe", "frozen", "--resume");

        Assert.True(exit == 0, stderr);
        Assert.Contains("for 3 epochs", stdout);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, FineTuneRunFolder.MetricsFile)).Length);
        Assert.Equal(uninterrupted, File.ReadAllBytes(checkpoint));
    }

    [Theory]
    [InlineData("--labels", "150%", "--labels: '150%' is neither a label fraction nor a file that exists", ExitCodes.Usage)]
    [InlineData("--head", "mlp:0", "--head: 'mlp:0' is not a head", ExitCodes.Usage)]
    [InlineData("--unfreeze", "last-linear:3", "--unfreeze asks for the last 3 Gemm/MatMul layers, but the model has 1 with constant weights: use last-linear:1 or fewer.", ExitCodes.Usage)]
    [InlineData("--validation", "100%", "is not a share in [0%, 100%)", ExitCodes.Usage)]
    public async Task FineTune_BadOptions_ExitWithOneLineSayingWhat(string option, string value, string message, int code)
    {
        string run = Path.Combine(_temp.Path, "run");

        (int exit, _, string stderr) = await FineTune(run, "--epochs", "1", option, value);

        Assert.Equal(code, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
        if (code == ExitCodes.Usage)
        {
            Assert.False(Path.Exists(run), "a refused command line wrote its --out");
        }
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("crop flip")]
    public async Task FineTune_WithAugmentation_TrainsOnPixelsInsteadOfCachedFeatures(string augment)
    {
        string run = Path.Combine(_temp.Path, "run");

        (int exit, _, string stderr) = await FineTune(run, ["--epochs", "1", "--augment", .. augment.Split(' ')]);

        Assert.True(exit == 0, stderr);
        Assert.False(ArtifactsManifest.Read(Path.Combine(run, "artifacts")).CachesFeatures);
    }

    [Fact]
    public async Task FineTune_EveryLayer_TrainsOnPixelsAndWritesTheClassifier()
    {
        string run = Path.Combine(_temp.Path, "run");

        (int exit, _, string stderr) = await FineTune(run, "--epochs", "1", "--unfreeze", "all");

        Assert.True(exit == 0, stderr);
        ArtifactsManifest manifest = ArtifactsManifest.Read(Path.Combine(run, "artifacts"));
        Assert.False(manifest.CachesFeatures);
        Assert.Equal("pixels", manifest.FrozenCut);
        Assert.True(File.Exists(Path.Combine(run, "inference_model.onnx")));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("truncated")]
    public async Task FineTune_ModelThatIsNotAnOnnxFile_ExitsSayingSo_AndWritesNothing(string kind)
    {
        string model = _temp.File("model.onnx");
        if (kind == "text")
        {
            File.WriteAllText(model, "not a model\n");
        }
        else
        {
            File.WriteAllBytes(model, File.ReadAllBytes(_encoder)[..400]);
        }
        string run = Path.Combine(_temp.Path, "run");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "finetune", "--model", model, "--data", "folder:" + _data, "--out", run);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("is not an ONNX model", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public async Task FineTune_MissingModelOrAFolderWithoutImages_ExitsSayingSo()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "empty"));

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "finetune", "--model", Path.Combine(_temp.Path, "absent.onnx"), "--data",
            "folder:" + _data, "--out", Path.Combine(_temp.Path, "run"));
        Assert.Equal(1, exit);
        Assert.Contains("absent.onnx does not exist", stderr);

        (exit, _, stderr) = await CliRunner.RunAsync(InferCommand.Create(), "finetune", "--model", _encoder, "--data", "folder:" + Path.Combine(_temp.Path, "empty"),
            "--out", Path.Combine(_temp.Path, "run"));
        Assert.Equal(1, exit);
        Assert.Contains("holds no images", stderr);
    }

    [Fact]
    public async Task Evaluate_DataWithClassesTheModelLacks_OrAnEncoderInsteadOfAClassifier_IsRefused()
    {
        string run = Path.Combine(_temp.Path, "run");
        Assert.Equal(0, (await FineTune(run, "--epochs", "1")).Exit);
        ImageSet textures = FineTuneFixture.Images(2);
        string other = WriteFolder(new ImageSet("x", textures.Pixels, textures.Count, 1, 8, 8, textures.Labels, ["diagonal", "horizontal", "vertical"]), "other");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "evaluate", "--model", Path.Combine(run, "inference_model.onnx"), "--data", "folder:" + other);
        Assert.Equal(1, exit);
        Assert.Contains("classes the model does not know (diagonal)", stderr);

        (exit, _, stderr) = await CliRunner.RunAsync(InferCommand.Create(), "evaluate", "--model", _encoder, "--data", "folder:" + _data);
        Assert.Equal(1, exit);
        Assert.Contains("not a classifier from pipeline-infer finetune", stderr);
    }

    [Fact]
    public async Task FineTune_StoppedBySigtermWhileTraining_KeepsTheLastFinishedEpochExits130AndResumesFromIt()
    {
        string run = Path.Combine(_temp.Path, "run");
        string metrics = Path.Combine(run, "metrics.jsonl");
        // Far more epochs than the test waits for: the run is still training whenever the signal comes.
        string[] arguments = FineTuneArguments(run, "--epochs", "1000000");

        int stoppedAt = await StopBySigtermAsync(CliProcess.StartInfer(arguments), metrics, afterEpoch: 2);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
        Assert.False(File.Exists(Path.Combine(run, "inference_model.onnx")));
        Assert.Equal(Enumerable.Range(1, stoppedAt), Epochs(metrics));

        int resumedTo = await StopBySigtermAsync(CliProcess.StartInfer([.. arguments, "--resume"]), metrics, afterEpoch: stoppedAt);
        Assert.Equal(Enumerable.Range(1, resumedTo), Epochs(metrics));
    }

    // Waits until the run has finished an epoch after afterEpoch (so it is training), sends SIGTERM, checks the clean
    // exit 130; returns the last epoch in the metrics.
    private static async Task<int> StopBySigtermAsync(Process process, string metrics, int afterEpoch)
    {
        using (process)
        {
            Task<string> errorRead = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            Assert.True(CliProcess.WaitWhileRunning(process, () => Epochs(metrics).Length > afterEpoch), "finetune ended before training");
            CliProcess.Signal(process, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "finetune did not stop after SIGTERM");
            string error = await errorRead;
            Assert.True(process.ExitCode == ExitCodes.Cancelled, $"exit {process.ExitCode}: {error}");
            Assert.Contains("cancelled", error);
            Assert.DoesNotContain("   at ", error);
        }
        return Epochs(metrics)[^1];
    }

    // The epoch of every finished line of a metrics.jsonl.
    private static int[] Epochs(string metrics) => File.Exists(metrics)
        ? File.ReadAllText(metrics).Split('\n').SkipLast(1).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("epoch").GetInt32()).ToArray()
        : [];

    private Task<(int Exit, string Stdout, string Stderr)> FineTune(string run, params string[] options) => CliRunner.RunAsync(InferCommand.Create(), FineTuneArguments(run, options));

    private string[] FineTuneArguments(string run, params string[] options) =>
        ["finetune", "--model", _encoder, "--data", "folder:" + _data, "--out", run, "--batch-size", "8", "--lr", "0.03",
            .. options.Contains("--validation") ? options : [.. options, "--validation", "0%"]];

    private string WriteFolder(ImageSet images, string name) => TestImages.WriteClassFolders(images, Path.Combine(_temp.Path, name));
}
