using System.Diagnostics;
using System.Text.Json;
using Pipeline.Data.Tests;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry.Nightly;

namespace Pipeline.Training.Tests.Cli;

/// <summary>The nightly job through the built CLI, on a folder registry: publish, promote by margin, lease, resume, exit codes.</summary>
[Collection(TorchCollection.Name)]
public sealed class NightlyCliTests : IDisposable
{
    private const string Model = "fashion-nightly";
    private const int Epochs = 4;

    private readonly TempDirectory _folder = new();
    private readonly string _registry;

    public NightlyCliTests() => _registry = Path.Combine(_folder.Path, "registry");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Nightly_PublishesACandidate_PromotesOnlyWhatBeatsTheChampion_AndClearsItsMirror()
    {
        (int first, string firstOutput, string firstError) = CliProcess.Run("nightly", "--config", WriteConfig(margin: 0));
        Assert.True(first == 0, firstError);
        Assert.Contains("is the new champion (the first)", firstOutput);

        (int second, string secondOutput, string secondError) = CliProcess.Run("nightly", "--config", WriteConfig(margin: 1.0));
        Assert.True(second == 0, secondError);
        Assert.Contains("champion kept", secondOutput);

        var registry = new ModelRegistry(ArtifactStoreUri.Open("file:" + _registry));
        Assert.Equal(new ModelVersion(1), (await registry.ReadAliasAsync(Model, ModelNames.Champion))!.Version);
        Assert.Equal(new ModelVersion(2), (await registry.ReadAliasAsync(Model, ModelNames.Latest))!.Version);
        ModelManifest candidate = await registry.GetManifestAsync(ModelReference.Parse(Model + "@v2"));
        Assert.Contains(candidate.Files, file => file.Path == "encoder.onnx");
        Assert.Contains(candidate.Files, file => file.Path == "report/README.md");
        Assert.InRange(candidate.Metrics["knn-100"], 0.1, 1.0);
        Assert.StartsWith("nightly-", candidate.Lineage.Run);

        IArtifactStore store = ArtifactStoreUri.Open("file:" + _registry);
        Assert.Empty(await store.ListAsync($"nightly/{Model}/runs/").ToListAsync());
        NightlyState state = await ReadStateAsync(store);
        Assert.NotNull(state.CompletedUtc);
        Assert.Equal("v2", state.Version);
        Assert.False(state.Promoted);
    }

    [Fact]
    public async Task Nightly_WithADamagedState_SaysSoAndWhatToDo_AndTouchesNothing()
    {
        IArtifactStore store = ArtifactStoreUri.Open("file:" + _registry);
        string key = $"nightly/{Model}/state.json";
        await store.PutAsync(key, new MemoryStream("{ damaged"u8.ToArray()), ArtifactCondition.None);

        (int exit, _, string error) = CliProcess.Run("nightly", "--config", WriteConfig(margin: 0));

        Assert.Equal(1, exit);
        Assert.Contains($"state.json is damaged (", error);
        Assert.Contains("restore it to resume the interrupted run, or delete it to start a new run", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal([key], (await store.ListAsync("nightly/").ToListAsync()).Select(item => item.Key));
    }

    [Theory]
    [InlineData(false, "is the new champion (the first)")]
    [InlineData(true, "is the champion already (promoted by the attempt that failed after it)")]
    public async Task Nightly_ThatFailedAfterItsPublish_IsRetriedByTheNextRun_WhichPromotesThatVersion_NotASecondOne(bool promotedBeforeTheFailure, string said)
    {
        string config = WriteConfig(margin: 0);
        (int first, _, string firstError) = CliProcess.Run("nightly", "--config", config);
        Assert.True(first == 0, firstError);
        IArtifactStore store = ArtifactStoreUri.Open("file:" + _registry);
        var registry = new ModelRegistry(store);
        NightlyState night = await ReadStateAsync(store);
        // What a night that failed as it promoted (the store unreachable) leaves: its version published, champion not moved,
        // the run not completed; or, failing as it wrote state.json, the same with the champion moved.
        if (!promotedBeforeTheFailure)
        {
            await store.DeleteAsync(RegistryLayout.AliasKey(Model, ModelNames.Champion));
        }
        await store.PutAsync($"nightly/{Model}/state.json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(night with { CompletedUtc = null, Version = null, Promoted = false },
            RunJson.CamelCase)), ArtifactCondition.None);

        (int retried, string output, string error) = CliProcess.Run("nightly", "--config", config);

        Assert.True(retried == 0, error);
        Assert.Contains($"Resuming {night.RunId}", error);
        Assert.Contains($"{Model}@v1", output);
        Assert.Contains(said, output);
        Assert.Equal([new ModelVersion(1)], (await registry.ListVersionsAsync(Model)).Select(version => version.Version));
        Assert.Equal(new ModelVersion(1), (await registry.ReadAliasAsync(Model, ModelNames.Champion))!.Version);
        Assert.Equal(("v1", true), ((await ReadStateAsync(store)).Version, (await ReadStateAsync(store)).Promoted));
    }

    [Fact]
    public async Task Nightly_WhileAnotherRunHoldsTheLease_DoesNothingAndExitsThree()
    {
        IArtifactStore store = ArtifactStoreUri.Open("file:" + _registry);
        await using IArtifactLease? held = await store.TryAcquireLeaseAsync($"nightly/{Model}/lease");
        Assert.NotNull(held);

        (int exitCode, _, string error) = CliProcess.Run("nightly", "--config", WriteConfig(margin: 0));

        Assert.Equal(3, exitCode);
        Assert.Contains("holds the lease", error);
        Assert.Empty(await new ModelRegistry(store).ListModelsAsync());
    }

    [Theory]
    [InlineData("{\"model\": \"m\", \"pretrain\": {}, \"colour\": 1}", "colour")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"out\": \"x\"}}", "pretrain.out is set by the nightly job itself")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"no-such-option\": 3}}", "no-such-option")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {}, \"promotion\": {\"margin\": -1}}", "promotion.margin")]
    [InlineData("{\"model\": \"Bad Name\", \"pretrain\": {}}", "Bad Name")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"epochs\": \"abc\"}}", "pretrain: --epochs")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"lr\": -1}}", "pretrain: --lr")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"data\": \"s3://bucket/images\"}}", "pretrain: --data")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"method\": \"ae\", \"beta\": 2}}", "pretrain: --beta is a setting of vae, not of ae")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"epochs\": 5, \"warmup-epochs\": 6}}", "pretrain: --warmup-epochs")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {\"batch-size\": [32]}}", "pretrain: --batch-size must be a whole number")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {}, \"evaluation\": {\"labels\": \"150%\"}}", "evaluation: --labels")]
    [InlineData("{\"model\": \"m\", \"pretrain\": {}, \"evaluation\": {\"data\": \"nowhere\"}}", "evaluation: --test-data")]
    [InlineData("not json", "nightly.json")]
    public void Nightly_WithAnInvalidConfiguration_SaysWhatIsWrongExitsTwoAndWritesNothing(string json, string message)
    {
        string config = _folder.File("nightly.json");
        string work = Path.Combine(_folder.Path, "work");
        File.WriteAllText(config, json.Replace("\"pretrain\": {", $"\"registry\": \"file:{_registry}\", \"workDirectory\": \"{work}\", \"pretrain\": {{"));

        (int exitCode, _, string error) = CliProcess.Run("nightly", "--config", config);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
        // Refused before the lease: no lease, no state, no run folder.
        Assert.False(Directory.Exists(work), "a refused configuration created the work folder");
        Assert.True(!Directory.Exists(_registry) || Directory.GetFileSystemEntries(_registry, "*", SearchOption.AllDirectories).Length == 0,
            "a refused configuration wrote to the registry");
    }

    [Theory]
    [InlineData("s3://bucket/registry", "is not a store URI")]
    [InlineData("file:{file}", "a file: store is a folder")]
    public void Nightly_WithARegistryUriThatCannotBeOne_IsAUsageErrorOnOneLine_AndWritesNothing(string registry, string message)
    {
        string file = _folder.File("a-file");
        File.WriteAllText(file, "not a folder");
        string work = Path.Combine(_folder.Path, "work");
        string config = _folder.File("nightly.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            registry = registry.Replace("{file}", file, StringComparison.Ordinal),
            model = Model,
            workDirectory = work,
            pretrain = new Dictionary<string, object>(),
        }));

        (int exitCode, _, string error) = CliProcess.Run("nightly", "--config", config);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(work), "a refused configuration created the work folder");
    }

    [Fact]
    public async Task Nightly_KilledWhileTraining_IsResumedByTheNextRunFromItsMirroredCheckpoint()
    {
        string config = WriteConfig(margin: 0, epochs: Epochs, checkpointEvery: 5, workDirectory: "work-killed", limit: 640);
        IArtifactStore store = ArtifactStoreUri.Open("file:" + _registry);
        using (Process nightly = CliProcess.Start("nightly", "--config", config))
        {
            // Drained as it runs, so that the progress line never fills the pipe and stalls the child.
            Task<string> errors = nightly.StandardError.ReadToEndAsync();
            _ = nightly.StandardOutput.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            // A mirror is complete once its metrics are up: they are uploaded after the checkpoint and the config.
            while (!(await store.ListAsync($"nightly/{Model}/runs/").ToListAsync()).Any(blob => blob.Key.EndsWith("/metrics.jsonl", StringComparison.Ordinal)))
            {
                if (nightly.HasExited)
                {
                    Assert.Fail("the nightly run ended before a checkpoint was mirrored: " + await errors);
                }
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no checkpoint was mirrored in 3 minutes");
                await Task.Delay(100);
            }
            nightly.Kill(entireProcessTree: true);
            await nightly.WaitForExitAsync();
        }
        NightlyState interrupted = await ReadStateAsync(store);
        Assert.Null(interrupted.CompletedUtc);

        // Another machine: a fresh work folder, so everything it resumes from comes from the store.
        (int exitCode, string output, string error) = CliProcess.Run("nightly", "--config",
            WriteConfig(margin: 0, epochs: Epochs, checkpointEvery: 5, workDirectory: "work-elsewhere", limit: 640));

        Assert.True(exitCode == 0, error);
        Assert.Contains($"Resuming {interrupted.RunId}", error);
        Assert.Contains("is the new champion", output);
        var run = new RunDirectory(Path.Combine(_folder.Path, "work-elsewhere", interrupted.RunId));
        long[] steps = MetricsLog.Read(run.MetricsPath).Select(step => step.Step).ToArray();
        Assert.Equal(Enumerable.Range(1, steps.Length).Select(i => (long)i), steps);
        Assert.Equal(Epochs * 640 / 32, steps.Length);
    }

    [Fact]
    public async Task Nightly_Diverged_Exits4_SayingHowTheNextRunResumesIt()
    {
        // 20 steps, a checkpoint after each: with lr 1e30, step 1's update ruins the weights, and step 2's loss overflows.
        (int exitCode, _, string error) = CliProcess.Run("nightly", "--config", WriteConfig(margin: 0, epochs: 5, checkpointEvery: 1, limit: 128, lr: 1e30));

        Assert.True(exitCode == 4, error);
        Assert.DoesNotContain("   at ", error);
        Assert.Contains("at step 2 (learning rate", error);
        NightlyState state = await ReadStateAsync(ArtifactStoreUri.Open("file:" + _registry));
        Assert.Null(state.CompletedUtc);
        Assert.Contains($"nightly: {state.RunId} is kept, and the next run resumes it: lower \"lr\" in the configuration's \"pretrain\" first", error);
    }

    private string WriteConfig(double margin, int epochs = 1, int checkpointEvery = 2, string workDirectory = "work", int limit = 64, double? lr = null)
    {
        var pretrain = new Dictionary<string, object>
        {
            ["method"] = "simclr",
            ["limit"] = limit,
            ["batch-size"] = 32,
            ["epochs"] = epochs,
            ["embedding-dim"] = 32,
            ["projection-dim"] = 16,
            ["checkpoint-every"] = checkpointEvery,
            ["threads"] = 2,
            ["device"] = "cpu",
        };
        if (lr is { } learningRate)
        {
            pretrain["lr"] = learningRate;
        }
        var config = new
        {
            registry = "file:" + _registry,
            model = Model,
            workDirectory = Path.Combine(_folder.Path, workDirectory),
            mirrorSeconds = 0.2,
            pretrain,
            evaluation = new { protocol = "knn", labels = "100", data = "fashion-mnist:test", trainData = "fashion-mnist:test" },
            promotion = new { margin },
        };
        string path = _folder.File($"nightly-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private static async Task<NightlyState> ReadStateAsync(IArtifactStore store)
    {
        using var read = new MemoryStream();
        await store.GetAsync($"nightly/{Model}/state.json", read);
        return JsonSerializer.Deserialize<NightlyState>(read.ToArray(), RunJson.CamelCase)!;
    }
}
