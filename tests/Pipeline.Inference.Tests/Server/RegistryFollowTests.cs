using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Data.Tests;
using Pipeline.Inference.Registry;
using Pipeline.Inference.Server;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Tests.Server;

/// <summary>A server started on a registry alias follows it: new champions swap in, broken ones are refused.</summary>
public sealed class RegistryFollowTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly TempDirectory _temp = new();
    private readonly ModelRegistry _registry;

    public RegistryFollowTests() => _registry = new ModelRegistry(ArtifactStoreUri.Open("file:" + Path.Combine(_temp.Path, "registry")));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ServingAnAlias_SwapsInEachNewVersion_RefusesABrokenOne_AndKeepsFollowing()
    {
        string first = await PublishChampionAsync(new TestModel(seed: 1).Write(_temp.File("m1/encoder.onnx")));
        var cache = new RegistryModelCache(_registry, Path.Combine(_temp.Path, "cache"));
        var alias = ModelReference.Parse("encoders@champion");
        string? etag = await _registry.GetAliasETagAsync("encoders", "champion");
        CachedModel start = await cache.GetAsync(alias);
        Assert.Equal(first, start.Sha256);

        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with
        {
            ModelPath = start.Path,
            ModelName = "encoders",
            ApiKey = RunningServer.Key,
            Model = options.Model with { ExpectedSha256 = start.Sha256 },
            Registry = new RegistryFollowOptions(cache, alias, start.Version, etag, Poll),
        });
        Assert.Equal(first, await ServedSha256Async(running));

        string second = await PublishChampionAsync(new TestModel(seed: 2).Write(_temp.File("m2/encoder.onnx")));
        await WaitUntilServedAsync(running, second);
        Assert.Equal(Path.Combine(cache.Directory, "encoders", "v2", "fp32", "encoder.onnx"), running.Server.Model.Current.Source);

        // v3 is not an ONNX model: pulled and verified, it fails the load; v2 keeps serving and the refusal is counted.
        File.WriteAllText(_temp.File("m3/encoder.onnx"), "not a model");
        await PublishChampionAsync(_temp.File("m3/encoder.onnx"));
        await WaitForAsync(async () => (await running.Client.GetStringAsync("/metrics")).Contains("pipeline_model_reloads_total{outcome=\"refused\"} 1"),
            "the broken champion was not refused");
        await Task.Delay(5 * Poll);
        Assert.Equal(second, await ServedSha256Async(running));
        Assert.Contains("pipeline_model_reloads_total{outcome=\"refused\"} 1\n", await running.Client.GetStringAsync("/metrics"));

        // A reload by path would leave the alias behind: refused. A reload without one reads the alias now.
        using HttpResponseMessage byPath = await running.Client.PostAsJsonAsync("/v1/models/reload", new { path = _temp.File("m1/encoder.onnx") });
        Assert.Equal(HttpStatusCode.Conflict, byPath.StatusCode);
        Assert.Contains("reload_follows_registry", await byPath.Content.ReadAsStringAsync());

        string fourth = await PublishChampionAsync(new TestModel(seed: 4).Write(_temp.File("m4/encoder.onnx")));
        using HttpResponseMessage now = await running.Client.PostAsync("/v1/models/reload", null);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        await WaitUntilServedAsync(running, fourth);
        // The cache keeps the newest versions only.
        Assert.False(Directory.Exists(Path.Combine(cache.Directory, "encoders", "v1")));
    }

    [Fact]
    public void FollowingAFixedVersion_IsRefusedWithTheReason()
    {
        var cache = new RegistryModelCache(_registry, _temp.Path);
        ArgumentException error = Assert.Throws<ArgumentException>(() => new RegistryModelFollower(cache, ModelReference.Parse("encoders@v1"), "fp32",
            null!, default, null, (_, _, _) => Task.CompletedTask, Poll, new RecordingLogger()));
        Assert.Contains("only an alias", error.Message);
    }

    private async Task<string> PublishChampionAsync(string encoder)
    {
        PublishedModel published = await _registry.PublishAsync(new PublishRequest
        {
            Name = "encoders",
            Files = [new PublishFile("encoder.onnx", encoder)],
            Lineage = new ModelLineage("test", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
            Aliases = [ModelNames.Latest, ModelNames.Champion],
        });
        return published.Manifest.Files.Single().Sha256;
    }

    private static async Task<string> ServedSha256Async(RunningServer running)
    {
        using JsonDocument ready = JsonDocument.Parse(await running.Client.GetStringAsync("/readyz"));
        return ready.RootElement.GetProperty("sha256").GetString()!;
    }

    private static Task WaitUntilServedAsync(RunningServer running, string sha256) =>
        WaitForAsync(async () => await ServedSha256Async(running) == sha256, $"{sha256} was never served");

    internal static async Task WaitForAsync(Func<Task<bool>> condition, string failure)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(50))
        {
            if (await condition())
            {
                return;
            }
        }
        Assert.Fail(failure);
    }
}
