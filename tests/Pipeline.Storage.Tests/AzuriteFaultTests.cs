using Pipeline.Storage.Registry;
using Xunit.Abstractions;

namespace Pipeline.Storage.Tests;

/// <summary>
/// The registry against a store that dies: Azurite killed (SIGKILL) in the middle of a publish (at a chosen point of a
/// chosen upload) or a pull, then started again on the same port and data folder; the transfer completes once it is
/// back; or between a publish's manifest and the alias moves after it, where a retry must promote the same version.
/// Azurite saves its metadata every 5 s, so a kill may also undo acknowledged writes of the last seconds; the registry
/// must stay consistent all the same.
/// </summary>
public sealed class AzuriteFaultTests(AzuriteServer azurite, ITestOutputHelper output) : IClassFixture<AzuriteServer>, IDisposable
{
    private const int ModelBytes = 48 << 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(1.5);

    private readonly TempDirectory _local = new();
    private readonly string _container = AzuriteServer.NewContainerName();

    public void Dispose() => _local.Dispose();

    [Theory]
    [InlineData(RegistryLayout.ClaimFileName, 0.0)] // as it claims the version number
    [InlineData("encoder.onnx", 0.5)] // half-way through the model's upload
    [InlineData(ModelManifest.FileName, 0.0)] // as it writes the manifest
    public async Task Publish_WhenTheStoreDiesMidway_CompletesOnceItIsBack_AndNoReaderSeesHalfAVersion(string file, double share)
    {
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new ModelRegistry(new InterceptingStore(azurite.NewStore(_container))
        {
            Watched = key => key.EndsWith("/" + file, StringComparison.Ordinal),
            Share = share,
            Reached = () =>
            {
                if (file == ModelManifest.FileName)
                {
                    // A killed Azurite can lose the files acknowledged in its last seconds, which no real store does;
                    // once the manifest is on its way the publish no longer checks them, so let Azurite save them first.
                    azurite.SaveMetadataAsync().GetAwaiter().GetResult();
                }
                azurite.Kill();
                killed.SetResult();
            },
        });
        string encoder = TestBytes.File(_local.File("run/encoder.onnx"), ModelBytes, seed: 1);
        string config = TestBytes.File(_local.File("run/run.json"), 300, seed: 2);

        Task<PublishedModel> publish = Task.Run(() => registry.PublishAsync(new PublishRequest
        {
            Name = "m",
            Files = [new PublishFile("encoder.onnx", encoder), new PublishFile("run.json", config)],
            Lineage = new ModelLineage("run", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
        }));
        // The kill runs inside the publish's upload: if it happens at all, it lands mid-publish.
        await Task.WhenAny(killed.Task, publish).WaitAsync(TimeSpan.FromMinutes(2));
        if (killed.Task.IsCompleted)
        {
            await Task.Delay(Outage);
            await azurite.StartAsync();
        }

        Assert.True(killed.Task.IsCompleted, $"the publish ended before its {file} upload reached {share:P0}: nothing was killed");
        PublishedModel published = await publish.WaitAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"killed at {share:P0} of {file}: published {published.Manifest.Version}");
        Assert.Equal((new ModelVersion(1), "latest"), (published.Manifest.Version, Assert.Single(published.Aliases)));
        PulledModel pulled = await registry.PullAsync(ModelReference.Parse("m@latest"), _local.File("check/x"));
        Assert.Equal(File.ReadAllBytes(encoder), File.ReadAllBytes(pulled.PathOf("encoder.onnx")));
        Assert.Equal(File.ReadAllBytes(config), File.ReadAllBytes(pulled.PathOf("run.json")));
        await AssertEveryVisibleVersionIsWholeAsync(registry);
    }

    // The nightly job's end (publish a candidate, then promote it with the champion it saw as the expected one) killed at
    // the boundary after the write named: once that write is acknowledged and saved, before the next store call. The store
    // stays down until the night has given up; then the registry must be consistent (the candidate whole or absent, every
    // alias on a visible version, champion still the old one), and the night run again must promote the very candidate.
    [Theory]
    [InlineData(ModelManifest.FileName)] // the candidate is published; latest does not name it yet
    [InlineData("aliases/latest.json")] // published and latest; the conditional move of champion has not begun
    public async Task PublishThenPromote_KilledBetweenTheManifestAndTheAliasMoves_StaysConsistent_AndARetryPromotesWithoutASecondVersion(string written)
    {
        var reader = new ModelRegistry(azurite.NewStore(_container));
        ModelVersion champion = (await reader.PublishAsync(SmallRequest(seed: 4))).Manifest.Version;
        await reader.PromoteAsync(ModelReference.ForVersion("m", champion), ModelNames.Champion);
        ModelVersion candidate = champion.Next;
        (ModelVersion? Latest, ModelVersion? Champion, bool Published) atKill = default;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Two quick retries: the night gives up while the store is down.
        var dying = new ModelRegistry(new InterceptingStore(azurite.NewStore(_container, AzuriteProcess.FastRetries with
        {
            Resilience = AzuriteProcess.FastRetries.Resilience with { MaxRetryAttempts = 2 },
        }))
        {
            Watched = key => key.EndsWith("/" + written, StringComparison.Ordinal),
            Acknowledged = true,
            Reached = () =>
            {
                azurite.SaveMetadataAsync().GetAwaiter().GetResult(); // what is written so far survives the kill
                atKill = (reader.ReadAliasAsync("m", ModelNames.Latest).GetAwaiter().GetResult()?.Version,
                    reader.ReadAliasAsync("m", ModelNames.Champion).GetAwaiter().GetResult()?.Version,
                    reader.Store.GetPropertiesAsync(RegistryLayout.ManifestKey("m", candidate)).GetAwaiter().GetResult() is not null);
                azurite.Kill();
                killed.SetResult();
            },
        });
        PublishRequest request = SmallRequest(seed: 5) with { PublishId = "nightly-2" };

        Task<ModelVersion> night = Task.Run(() => PublishThenPromoteAsync(dying, request));
        await Task.WhenAny(killed.Task, night).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(killed.Task.IsCompleted, $"the night ended before its {written} write: nothing was killed");
        await Assert.ThrowsAnyAsync<ArtifactStoreException>(() => night.WaitAsync(TimeSpan.FromSeconds(60)));
        await azurite.StartAsync();

        // The kill landed in the window: the candidate's manifest written, champion not moved, latest moved only after it.
        Assert.Equal((written == ModelManifest.FileName ? champion : candidate, champion, true), atKill);
        Assert.Equal(champion, (await reader.ReadAliasAsync("m", ModelNames.Champion))!.Version);
        await AssertEveryVisibleVersionIsWholeAsync(reader);
        ModelVersion promoted = await PublishThenPromoteAsync(reader, request);
        Assert.Equal(candidate, promoted);
        Assert.Equal((candidate, candidate), ((await reader.ReadAliasAsync("m", ModelNames.Champion))!.Version, (await reader.ReadAliasAsync("m", ModelNames.Latest))!.Version));
        Assert.Equal([champion, candidate], (await reader.ListVersionsAsync("m")).Select(version => version.Version));
        await AssertEveryVisibleVersionIsWholeAsync(reader);
    }

    [Fact]
    public async Task Pull_WhenTheStoreDiesMidway_NeverLeavesAPartialFile_AndCompletes()
    {
        string encoder = TestBytes.File(_local.File("run/encoder.onnx"), ModelBytes, seed: 3);
        var publisher = new ModelRegistry(azurite.NewStore(_container));
        PublishedModel published = await publisher.PublishAsync(new PublishRequest
        {
            Name = "m",
            Files = [new PublishFile("encoder.onnx", encoder)],
            Lineage = new ModelLineage("run", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
        });
        await azurite.SaveMetadataAsync(); // so that the kill below cannot undo the publish itself
        // Small ranges, one at a time: the download lasts long enough to be cut.
        var puller = new ModelRegistry(azurite.NewStore(_container, AzuriteProcess.FastRetries with { TransferChunkBytes = 256 << 10, MaxConcurrency = 1 }));
        string folder = _local.File("pulled/x");
        folder = Path.GetDirectoryName(folder)!;
        string target = Path.Combine(folder, "encoder.onnx");

        using var stop = new CancellationTokenSource();
        long partialSightings = 0;
        Task watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Whenever the model file is there, it is whole.
                if (File.Exists(target) && new FileInfo(target).Length != ModelBytes)
                {
                    Interlocked.Increment(ref partialSightings);
                }
                await Task.Delay(1);
            }
        });
        Task<PulledModel> pull = Task.Run(() => puller.PullAsync(published.Reference, folder));
        while (!Directory.EnumerateFiles(folder, "*.partial").Any(file => new FileInfo(file).Length > 0) && !pull.IsCompleted)
        {
            await Task.Delay(1);
        }
        Assert.False(pull.IsCompleted, "The pull finished before Azurite could be killed: the test did not test anything.");
        azurite.Kill();
        Assert.False(File.Exists(target));
        await Task.Delay(Outage);
        await azurite.StartAsync();

        PulledModel pulled;
        try
        {
            pulled = await pull.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (ArtifactStoreException error)
        {
            output.WriteLine($"the pull failed cleanly ({error.Message}); pulling again");
            Assert.False(File.Exists(target));
            pulled = await puller.PullAsync(published.Reference, folder);
        }
        await stop.CancelAsync();
        await watcher;

        Assert.Equal(0, Interlocked.Read(ref partialSightings));
        Assert.Equal(File.ReadAllBytes(encoder), File.ReadAllBytes(pulled.PathOf("encoder.onnx")));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.partial"));
    }

    // Every version a reader can see (its manifest exists) pulls whole, every file verified.
    private async Task AssertEveryVisibleVersionIsWholeAsync(ModelRegistry registry)
    {
        IReadOnlyList<ModelVersionSummary> versions;
        try
        {
            versions = await registry.ListVersionsAsync("m");
        }
        catch (ModelNotFoundException)
        {
            return; // the kill undid everything: nothing to see, nothing half-seen
        }
        foreach (ModelVersionSummary version in versions.Where(v => v.IsPublished))
        {
            PulledModel pulled = await registry.PullAsync(ModelReference.ForVersion("m", version.Version), _local.File($"verify/{Guid.NewGuid():N}/x"));
            Assert.Equal(version.Manifest!.TotalSize, pulled.Manifest.Files.Sum(file => new FileInfo(pulled.PathOf(file.Path)).Length));
        }
        foreach (ModelAlias alias in await registry.ListAliasesAsync("m"))
        {
            Assert.Contains(versions, v => v.Version == alias.Version && v.IsPublished);
        }
    }

    // What the nightly job does once its candidate is trained: publish it (latest follows), then promote it over the champion
    // it read, conditionally (a promotion made meanwhile is not overwritten).
    private static async Task<ModelVersion> PublishThenPromoteAsync(ModelRegistry registry, PublishRequest request)
    {
        PublishedModel candidate = await registry.PublishAsync(request);
        ModelAlias? champion = await registry.ReadAliasAsync("m", ModelNames.Champion);
        await registry.PromoteAsync(candidate.Reference, ModelNames.Champion, champion?.Version);
        return candidate.Manifest.Version;
    }

    private PublishRequest SmallRequest(int seed) => new()
    {
        Name = "m",
        Files = [new PublishFile("encoder.onnx", TestBytes.File(_local.File($"run{seed}/encoder.onnx"), 1 << 20, seed))],
        Lineage = new ModelLineage("run", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
    };
}
