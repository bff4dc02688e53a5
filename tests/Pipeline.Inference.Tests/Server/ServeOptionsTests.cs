using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Inference.Search;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Tests.Server;

/// <summary><see cref="ServeOptions"/> and <see cref="EmbeddingServer.ServeAsync"/>: the serve verb's settings as a library type.</summary>
public sealed class ServeOptionsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Resolve_LeftOut_TakesTheServersDefaults_AndFollowsNoRegistry()
    {
        EmbeddingServerOptions defaults = new() { ModelPath = "encoder.onnx" };

        EmbeddingServerOptions resolved = new ServeOptions { ModelPath = "encoder.onnx" }.Resolve();

        Assert.Equal(defaults.Urls, resolved.Urls);
        Assert.Equal(defaults.Batching, resolved.Batching);
        Assert.Equal((defaults.MaxImagesPerRequest, defaults.MaxRequestBytes, defaults.ImageLimits), (resolved.MaxImagesPerRequest, resolved.MaxRequestBytes, resolved.ImageLimits));
        Assert.Equal("encoder", resolved.ServedName);
        Assert.Null(resolved.Registry);
        Assert.Null(resolved.Index);
    }

    [Fact]
    public void Resolve_ReadsTheApiKeyFile_AndTheIndex()
    {
        string keyFile = _temp.File("key");
        File.WriteAllText(keyFile, " " + RunningServer.Key + "\n");
        string indexPath = _temp.File("catalogue.index");
        new EmbeddingIndex(new string('a', 64), 4).Save(indexPath);

        EmbeddingServerOptions resolved = new ServeOptions { ModelPath = "encoder.onnx", ApiKeyFile = keyFile, Index = indexPath, MaxImageSide = 64 }.Resolve();

        Assert.Equal(RunningServer.Key, resolved.ApiKey);
        Assert.Equal((new string('a', 64), 4), (resolved.Index!.ModelSha256, resolved.Index.Dim));
        Assert.Equal(new ImageLimits(64, 64), resolved.ImageLimits);
    }

    [Fact]
    public void Resolve_APollIntervalWithoutARegistryAlias_IsRefusedNamingTheModelToGive()
    {
        var error = Assert.Throws<InvalidSettingException>(() => new ServeOptions { ModelPath = "encoder.onnx", PollSeconds = 5 }.Resolve());

        Assert.Equal("poll-seconds", error.Setting);
        Assert.Equal("--poll-seconds follows a registry alias: give --model registry:NAME@ALIAS.", error.Describe(setting => "--" + setting));
    }

    [Fact]
    public void Resolve_AnIndexFileThatIsNone_IsRefusedAsTheIndexSetting()
    {
        string notAnIndex = _temp.File("notes.txt");
        File.WriteAllText(notAnIndex, "not an index");

        var error = Assert.Throws<InvalidSettingException>(() => new ServeOptions { ModelPath = "encoder.onnx", Index = notAnIndex }.Resolve());

        Assert.Equal("index", error.Setting);
        Assert.Contains(notAnIndex, error.Message);
    }

    [Fact]
    public async Task Serve_AnIndexOfAnotherModel_IsRefusedAsTheIndexSetting_NamingTheModel()
    {
        string model = new TestModel().Write(_temp.File("encoder.onnx"));
        string indexPath = _temp.File("other.index");
        new EmbeddingIndex(new string('b', 64), new TestModel().EmbeddingDim).Save(indexPath);
        var options = new ServeOptions { ModelPath = model, Index = indexPath, Urls = ["http://127.0.0.1:0"] };

        var error = await Assert.ThrowsAsync<InvalidSettingException>(() => EmbeddingServer.ServeAsync(options, logging => logging.ClearProviders()));

        Assert.Equal("index", error.Setting);
        Assert.Contains($"was not built with --model {model}", error.Describe(setting => "--" + setting));
    }

    [Fact]
    public async Task Serve_OnAPortInUse_IsRefusedNamingTheAddress()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var options = new ServeOptions { ModelPath = new TestModel().Write(_temp.File("encoder.onnx")), Urls = [url] };

        var error = await Assert.ThrowsAsync<ListenAddressInUseException>(() => EmbeddingServer.ServeAsync(options, logging => logging.ClearProviders()));

        Assert.Equal([url], error.Urls);
        Assert.StartsWith($"{url}: the address is already in use", error.Message);
    }
}
