using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Errors;
using Pipeline.Storage.Registry;

namespace Pipeline.Storage.Tests;

/// <summary>What the registry promises on any store; run against a folder and against Azurite.</summary>
public abstract class ModelRegistryContractTests : IDisposable
{
    private readonly TempDirectory _local = new();

    /// <summary>A new store instance on this test's storage (each call a separate instance on the same place).</summary>
    protected abstract IArtifactStore NewStore();

    public virtual void Dispose()
    {
        _local.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Publish_ThenPull_RoundTripsEveryFile_Verified()
    {
        var registry = new ModelRegistry(NewStore());
        PublishRequest request = Request("fashion-simclr", seed: 1);

        PublishedModel published = await registry.PublishAsync(request);
        PulledModel pulled = await registry.PullAsync(ModelReference.Parse("fashion-simclr"), _local.File("pulled/x"));

        Assert.Equal(new ModelVersion(1), published.Manifest.Version);
        Assert.Equal(["latest"], published.Aliases);
        Assert.Equal(published.Manifest.Version, pulled.Manifest.Version);
        foreach (PublishFile file in request.Files)
        {
            Assert.Equal(File.ReadAllBytes(file.SourcePath), File.ReadAllBytes(pulled.PathOf(file.Path)));
        }
        byte[] manifestJson = File.ReadAllBytes(Path.Combine(pulled.Directory, "manifest.json"));
        ModelManifest local = ModelManifest.FromJson(manifestJson, "fashion-simclr", new ModelVersion(1));
        using (JsonDocument document = JsonDocument.Parse(manifestJson))
        {
            Assert.Equal(["path", "size", "sha256"], document.RootElement.GetProperty("files")[0].EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal(published.Manifest.Files, local.Files);
        Assert.Equal(0.75, local.Metrics["knn-100%"]);
        Assert.Equal("run-1", local.Lineage.Run);
        Assert.Equal(256, local.Lineage.Config!.Value.GetProperty("batchSize").GetInt32());
        Assert.Empty(Directory.EnumerateFiles(pulled.Directory, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Publishes_TakeIncreasingVersions_AndLatestFollows()
    {
        var registry = new ModelRegistry(NewStore());

        ModelVersion[] versions = [
            (await registry.PublishAsync(Request("m", seed: 1))).Manifest.Version,
            (await registry.PublishAsync(Request("m", seed: 2))).Manifest.Version,
            (await registry.PublishAsync(Request("m", seed: 3) with { Aliases = [] })).Manifest.Version];

        Assert.Equal([new ModelVersion(1), new ModelVersion(2), new ModelVersion(3)], versions);
        Assert.Equal(new ModelVersion(2), await registry.ResolveAsync(ModelReference.Parse("m@latest")));
        Assert.Equal(["m"], await registry.ListModelsAsync());
        IReadOnlyList<ModelVersionSummary> listed = await registry.ListVersionsAsync("m");
        Assert.Equal(versions, listed.Select(v => v.Version));
        Assert.All(listed, v => Assert.True(v.IsPublished));
        Assert.Equal(["latest"], listed[1].Aliases);
    }

    [Fact]
    public async Task ConcurrentPublishes_EachGetTheirOwnVersion_AndLatestEndsOnTheNewest()
    {
        ModelRegistry[] registries = [new(NewStore()), new(NewStore())];

        PublishedModel[] published = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => registries[i % 2].PublishAsync(Request("m", seed: 10 + i)))));

        Assert.Equal([1, 2, 3, 4], published.Select(p => p.Manifest.Version.Number).Order());
        Assert.Equal(new ModelVersion(4), await registries[0].ResolveAsync(ModelReference.Parse("m")));
        foreach (PublishedModel model in published)
        {
            PulledModel pulled = await registries[1].PullAsync(model.Reference, _local.File($"pulled/{model.Manifest.Version}/x"));
            Assert.Equal(model.Manifest.PublishId, pulled.Manifest.PublishId);
        }
    }

    [Fact]
    public async Task Pull_OfATamperedBlob_RefusesAndLeavesNoFile()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishedModel published = await registry.PublishAsync(Request("m", seed: 1));
        string key = RegistryLayout.FileKey("m", published.Manifest.Version, "encoder.onnx");
        byte[] tampered = TestBytes.Random((int)published.Manifest.Files.Single(f => f.Path == "encoder.onnx").Size, seed: 99);
        await store.PutAsync(key, new MemoryStream(tampered), ArtifactCondition.None);
        string folder = _local.File("pulled/x");

        var refused = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => registry.PullAsync(published.Reference, folder));

        Assert.Contains("encoder.onnx", refused.Message);
        string pulled = Path.GetDirectoryName(folder)!;
        Assert.False(File.Exists(Path.Combine(folder, "encoder.onnx")));
        Assert.False(File.Exists(Path.Combine(folder, "manifest.json")));
        Assert.Empty(Directory.EnumerateFiles(pulled, "*encoder.onnx*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TheManifest_IsCreateOnly_SoAPublishedVersionNeverChanges()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishedModel published = await registry.PublishAsync(Request("m", seed: 1));
        // A second publish of the same files that reaches v1 again: v1's claim was lost (a store that crashed) and its
        // listing is stale, so nothing but the manifest's create-only write stands between it and the published version.
        await store.DeleteAsync(RegistryLayout.ClaimKey("m", published.Manifest.Version));
        string v1 = RegistryLayout.VersionPrefix("m", published.Manifest.Version);
        var late = new ModelRegistry(new InterceptingStore(store) { Listed = blob => !blob.Key.StartsWith(v1, StringComparison.Ordinal) });

        var refused = await Assert.ThrowsAsync<ModelRegistryException>(() =>
            late.PublishAsync(Request("m", seed: 1) with { Metrics = new Dictionary<string, double> { ["knn-100%"] = 0.5 } }));

        Assert.Contains("got another publish's manifest", refused.Message);
        ModelManifest kept = await registry.GetManifestAsync(published.Reference);
        Assert.Equal((published.Manifest.PublishId, 0.75), (kept.PublishId, kept.Metrics["knn-100%"]));
        Assert.Equal(published.Manifest.Version, await registry.ResolveAsync(ModelReference.Parse("m@latest")));
        PulledModel pulled = await registry.PullAsync(published.Reference, _local.File("pulled/x"));
        Assert.Equal(published.Manifest.PublishId, pulled.Manifest.PublishId);
    }

    [Fact]
    public async Task AnAbandonedPublish_IsInvisibleToReaders_SkippedByTheNext_AndDeletable()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        await registry.PublishAsync(Request("m", seed: 1));
        // What a publish that died after its claim and one file leaves behind: no manifest.
        await store.PutAsync(RegistryLayout.ClaimKey("m", new ModelVersion(2)), new MemoryStream("{}"u8.ToArray()), ArtifactCondition.IfAbsent);
        await store.PutAsync(RegistryLayout.FileKey("m", new ModelVersion(2), "encoder.onnx"), new MemoryStream(TestBytes.Random(100, 5)), ArtifactCondition.None);

        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.PullAsync(ModelReference.Parse("m@v2"), _local.File("a/x")));
        Assert.Contains("Published versions of m: v1", missing.Message);
        Assert.Equal(new ModelVersion(1), await registry.ResolveAsync(ModelReference.Parse("m")));
        Assert.False((await registry.ListVersionsAsync("m"))[1].IsPublished);

        Assert.Equal(new ModelVersion(3), (await registry.PublishAsync(Request("m", seed: 3))).Manifest.Version);
        await registry.DeleteVersionAsync("m", new ModelVersion(2), force: false);
        Assert.Equal([1, 3], (await registry.ListVersionsAsync("m")).Select(v => v.Version.Number));
    }

    [Fact]
    public async Task APublishRetriedWithItsId_GoesOnWithTheVersionItClaimed_NeverASecondOne()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishRequest request = Request("m", seed: 1) with { PublishId = "nightly-1" };
        ModelVersion v1 = (await registry.PublishAsync(request)).Manifest.Version;
        // What a publish that failed as it moved its aliases leaves: a published version that latest does not name.
        await store.DeleteAsync(RegistryLayout.AliasKey("m", ModelNames.Latest));

        PublishedModel retried = await registry.PublishAsync(request);

        Assert.Equal(v1, retried.Manifest.Version);
        Assert.Equal(["latest"], retried.Aliases);
        Assert.Equal(v1, await registry.ResolveAsync(ModelReference.Parse("m@latest")));
        // What a publish that died before its manifest leaves: its claim and files; the retry writes the manifest there.
        ModelVersion v2 = (await registry.PublishAsync(Request("m", seed: 2) with { PublishId = "nightly-2" })).Manifest.Version;
        await store.DeleteAsync(RegistryLayout.ManifestKey("m", v2));
        PublishedModel resumed = await registry.PublishAsync(Request("m", seed: 2) with { PublishId = "nightly-2" });
        Assert.Equal(v2, resumed.Manifest.Version);
        await registry.PullAsync(resumed.Reference, _local.File("pulled/x"));
        // Without an id, or with another one, a publish takes the next version.
        Assert.Equal(v2.Next, (await registry.PublishAsync(Request("m", seed: 2))).Manifest.Version);
        Assert.Equal(v2.Next.Next, (await registry.PublishAsync(Request("m", seed: 1) with { PublishId = "nightly-3" })).Manifest.Version);
        Assert.Equal([1, 2, 3, 4], (await registry.ListVersionsAsync("m")).Where(v => v.IsPublished).Select(v => v.Version.Number));
        // An id that is not one is refused before anything is written.
        var refused = await Assert.ThrowsAsync<InvalidSettingException>(() => registry.PublishAsync(Request("m", seed: 3) with { PublishId = "night 5" }));
        Assert.Contains("'night 5' is not a publish id", refused.Message);
        Assert.Equal(4, (await registry.ListVersionsAsync("m")).Count);
    }

    [Fact]
    public async Task ConcurrentPromotes_FromTwoWriters_AllLand_NoneLost()
    {
        ModelRegistry[] writers = [new(NewStore()), new(NewStore())];
        for (int i = 0; i < 6; i++)
        {
            await writers[0].PublishAsync(Request("m", seed: i) with { Aliases = [] });
        }

        ModelAlias[] promoted = await Task.WhenAll(Enumerable.Range(1, 6).Select(v =>
            Task.Run(() => writers[v % 2].PromoteAsync(ModelReference.Parse($"m@v{v}"), "champion"))));

        ModelAlias champion = (await writers[0].ReadAliasAsync("m", "champion"))!;
        Assert.Equal(Enumerable.Range(1, 6), promoted.Select(a => a.Version.Number).Order());
        // Each promotion read the alias and wrote it If-Match: every one is in the history, the last one on top.
        Assert.Equal(Enumerable.Range(1, 6), champion.History.Select(h => h.Version.Number).Order());
        Assert.Equal(champion.History[0].Version, champion.Version);
    }

    [Fact]
    public async Task Promote_WithAnExpectedCurrentThatMovedMeanwhile_IsRefused()
    {
        var registry = new ModelRegistry(NewStore());
        await registry.PublishAsync(Request("m", seed: 1));
        await registry.PublishAsync(Request("m", seed: 2));
        await registry.PromoteAsync(ModelReference.Parse("m@v1"), "champion");
        string? before = await registry.GetAliasETagAsync("m", "champion");

        var refused = await Assert.ThrowsAsync<ModelRegistryException>(
            () => registry.PromoteAsync(ModelReference.Parse("m@v2"), "champion", expectedCurrent: new ModelVersion(2)));
        ModelAlias moved = await registry.PromoteAsync(ModelReference.Parse("m@latest"), "champion", expectedCurrent: new ModelVersion(1));

        Assert.Contains("names v1, not v2 as expected", refused.Message);
        Assert.Equal(new ModelVersion(2), moved.Version);
        Assert.NotEqual(before, await registry.GetAliasETagAsync("m", "champion"));
        Assert.Equal(moved.ETag, await registry.GetAliasETagAsync("m", "champion"));
    }

    [Fact]
    public async Task Delete_OfAVersionAnAliasNames_IsRefusedUnlessForced()
    {
        var registry = new ModelRegistry(NewStore());
        await registry.PublishAsync(Request("m", seed: 1));
        await registry.PublishAsync(Request("m", seed: 2));
        await registry.PromoteAsync(ModelReference.Parse("m@v1"), "champion");

        var refused = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.DeleteVersionAsync("m", new ModelVersion(1), force: false));
        Assert.Contains("m@v1 is what champion names", refused.Message);
        IReadOnlyList<string> removed = await registry.DeleteVersionAsync("m", new ModelVersion(1), force: true);

        Assert.Equal(["champion"], removed);
        Assert.Null(await registry.ReadAliasAsync("m", "champion"));
        Assert.Equal([2], (await registry.ListVersionsAsync("m")).Select(v => v.Version.Number));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.GetManifestAsync(ModelReference.Parse("m@v1")));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.DeleteVersionAsync("m", new ModelVersion(1), force: false));
    }

    [Fact]
    public async Task MissingModelsAndAliases_AreReportedWithWhatExists()
    {
        var registry = new ModelRegistry(NewStore());
        await registry.PublishAsync(Request("m", seed: 1));

        var noAlias = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.GetManifestAsync(ModelReference.Parse("m@champion")));
        var noModel = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.ListVersionsAsync("other"));
        var noVersion = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.GetManifestAsync(ModelReference.Parse("m@v7")));

        Assert.Contains("m has no alias 'champion'", noAlias.Message);
        Assert.Contains("latest → v1", noAlias.Message);
        Assert.Contains("Models there: m", noModel.Message);
        Assert.Contains("m@v7 does not exist", noVersion.Message);
    }

    [Fact]
    public async Task Publish_OfAMissingFile_WritesNothing()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishRequest request = Request("m", seed: 1);
        request = request with { Files = [.. request.Files, new PublishFile("extra.bin", _local.File("absent.bin"))] };

        await Assert.ThrowsAsync<FileNotFoundException>(() => registry.PublishAsync(request));

        Assert.Empty(await store.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Publish_WithPrecisionVariants_ThenPullEachPrecision_GetsThatVariantVerified_AndNoOther()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishRequest request = WithVariants(Request("m", seed: 1), "int8", "fp16");

        PublishedModel published = await registry.PublishAsync(request);

        Assert.Equal(["fp32", "int8", "fp16"], published.Manifest.Precisions);
        Assert.Equal(["fp32", "int8", "fp16"], (await registry.GetManifestAsync(published.Reference)).Precisions);
        Assert.Equal("encoder.int8.onnx", published.Manifest.PathIn("encoder.onnx", "int8"));
        foreach ((string precision, string encoder) in new[] { ("fp32", "encoder.onnx"), ("int8", "encoder.int8.onnx"), ("fp16", "encoder.fp16.onnx") })
        {
            string folder = Path.GetDirectoryName(_local.File($"pulled-{precision}/x"))!;
            PulledModel pulled = await registry.PullAsync(ModelReference.Parse("m"), folder, precision);

            Assert.Equal(precision, pulled.Precision);
            Assert.Equal([encoder, "eval/knn-100.json", "manifest.json", "run.json"], Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal));
            Assert.Equal(File.ReadAllBytes(request.Files.Single(file => file.Path == encoder).SourcePath), File.ReadAllBytes(pulled.PathOf(encoder)));
            // The folder's manifest lists what is in it: the variant chosen, still saying what it was made from.
            ModelManifest local = ModelManifest.FromJson(File.ReadAllBytes(Path.Combine(folder, "manifest.json")), "m", new ModelVersion(1));
            Assert.Equal(pulled.Manifest.Files, local.Files);
            Assert.Equal(encoder, local.PathIn("encoder.onnx", precision));
            Assert.Equal(request.Variants.Where(v => v.Precision == precision), local.Variants ?? []);
            Assert.Equal(published.Manifest.PublishId, local.PublishId);
        }

        // The variant is checked as every file is: a tampered int8 blob is refused, and the fp32 pull does not read it.
        string key = RegistryLayout.FileKey("m", published.Manifest.Version, "encoder.int8.onnx");
        await store.PutAsync(key, new MemoryStream(TestBytes.Random((int)published.Manifest.Files.Single(f => f.Path == "encoder.int8.onnx").Size, seed: 98)),
            ArtifactCondition.None);
        var refused = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => registry.PullAsync(published.Reference, _local.File("tampered/x"), "int8"));
        Assert.Contains("encoder.int8.onnx", refused.Message);
        await registry.PullAsync(published.Reference, _local.File("untouched/x"));
    }

    [Fact]
    public async Task Publish_OfAVariantMadeFromAnotherFile_IsRefusedNamingBothHashes_AndWritesNothing()
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishRequest request = WithVariants(Request("m", seed: 1), "int8");
        FileVariant stale = request.Variants[0] with { SourceSha256 = new string('a', 64) };

        var refused = await Assert.ThrowsAsync<VariantSourceMismatchException>(() => registry.PublishAsync(request with { Variants = [stale] }));

        Assert.Equal(stale, refused.Variant);
        Assert.Contains($"encoder.int8.onnx (int8) was made from a file with SHA-256 {stale.SourceSha256}, but the encoder.onnx published with it has SHA-256 {refused.ActualSha256}", refused.Message);
        Assert.Contains("Nothing was published.", refused.Message);
        Assert.Empty(await store.ListAsync("").ToListAsync());
    }

    [Theory]
    [InlineData("absent.onnx", "encoder.onnx", "int8", "absent.onnx is not one of the version's files")]
    [InlineData("encoder.int8.onnx", "absent.onnx", "int8", "which is not one of the version's files")]
    [InlineData("encoder.int8.onnx", "encoder.onnx", "fp32", "not fp32")]
    [InlineData("encoder.int8.onnx", "encoder.onnx", "INT8", "has the precision 'INT8'")]
    [InlineData("run.json", "encoder.int8.onnx", "int8", "itself a variant")]
    public async Task Publish_OfAVariantThatIsNotOneOfItsFilesInAPrecisionOfItsOwn_IsRefused_AndWritesNothing(string path, string of, string precision,
        string message)
    {
        IArtifactStore store = NewStore();
        var registry = new ModelRegistry(store);
        PublishRequest request = WithVariants(Request("m", seed: 1), "int8");
        FileVariant wrong = new(path, of, precision, request.Variants[0].SourceSha256);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => registry.PublishAsync(request with { Variants = [.. request.Variants, wrong] }));

        Assert.Contains(message, refused.Message);
        Assert.Empty(await store.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task Pull_OfAPrecisionTheVersionLacks_IsRefusedNamingThoseItHas_AndWritesNothing()
    {
        var registry = new ModelRegistry(NewStore());
        await registry.PublishAsync(WithVariants(Request("m", seed: 1), "fp16"));
        await registry.PublishAsync(Request("m", seed: 2));
        string folder = Path.Combine(Path.GetDirectoryName(_local.File("pulled/x"))!, "m");

        var withVariant = await Assert.ThrowsAsync<PrecisionNotFoundException>(() => registry.PullAsync(ModelReference.Parse("m@v1"), folder, "int8"));
        var without = await Assert.ThrowsAsync<PrecisionNotFoundException>(() => registry.PullAsync(ModelReference.Parse("m@latest"), folder, "fp16"));

        Assert.Equal("m@v1 has no int8 variant; its precisions: fp32, fp16.", withVariant.Message);
        Assert.Equal(["fp32", "fp16"], withVariant.Available);
        Assert.Equal("m@v2 has no fp16 variant; its precisions: fp32.", without.Message);
        Assert.False(Directory.Exists(folder));
    }

    // The request with an encoder.PRECISION.onnx variant of its encoder.onnx in each precision.
    private PublishRequest WithVariants(PublishRequest request, params string[] precisions)
    {
        PublishFile encoder = request.Files.Single(file => file.Path == "encoder.onnx");
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(encoder.SourcePath)));
        PublishFile[] files = precisions.Select((precision, i) => new PublishFile($"encoder.{precision}.onnx",
            TestBytes.File(Path.Combine(Path.GetDirectoryName(encoder.SourcePath)!, $"encoder.{precision}.onnx"), 1000 + i, 50 + i))).ToArray();
        return request with
        {
            Files = [.. request.Files, .. files],
            Variants = precisions.Select(precision => new FileVariant($"encoder.{precision}.onnx", "encoder.onnx", precision, sha256)).ToArray(),
        };
    }

    /// <summary>A version of three files: a 1.5 MiB "encoder", a config and an evaluation result in a subfolder.</summary>
    protected PublishRequest Request(string name, int seed)
    {
        string folder = _local.File($"runs/{name}-{seed}-{Guid.NewGuid():N}/x");
        folder = Path.GetDirectoryName(folder)!;
        using JsonDocument config = JsonDocument.Parse("""{"method": "simclr", "batchSize": 256}""");
        return new PublishRequest
        {
            Name = name,
            Files =
            [
                new PublishFile("encoder.onnx", TestBytes.File(Path.Combine(folder, "encoder.onnx"), (3 << 19) + seed, seed)),
                new PublishFile("run.json", TestBytes.File(Path.Combine(folder, "run.json"), 200, seed + 1)),
                new PublishFile("eval/knn-100.json", TestBytes.File(Path.Combine(folder, "eval", "knn-100.json"), 120, seed + 2)),
            ],
            Metrics = new Dictionary<string, double> { ["knn-100%"] = 0.75 },
            Lineage = new ModelLineage($"run-{seed}", config.RootElement.Clone(), "0123abcd", DateTimeOffset.UtcNow,
                new Dictionary<string, string> { ["checkpoint"] = "step-00000010.safetensors" }),
        };
    }
}
