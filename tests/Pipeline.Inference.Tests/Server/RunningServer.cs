using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Pipeline.Data.Tests;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Tests.Server;

/// <summary>An <see cref="EmbeddingServer"/> on a free loopback port with a <see cref="TestModel"/>, and a client for it.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public const string Key = "test-key-0123456789abcdef";

    private readonly TempDirectory _temp;

    private RunningServer(TempDirectory temp, TestModel spec, string modelPath, EmbeddingServer server, HttpClient client)
    {
        _temp = temp;
        Spec = spec;
        ModelPath = modelPath;
        Server = server;
        Client = client;
    }

    public TestModel Spec { get; }

    public string ModelPath { get; }

    public EmbeddingServer Server { get; }

    public HttpClient Client { get; }

    public string Folder => _temp.Path;

    /// <summary>Starts a server for <paramref name="spec"/> (a small grey 8x8 model by default), adjusted by <paramref name="configure"/>.</summary>
    public static async Task<RunningServer> StartAsync(TestModel? spec = null,
        Func<EmbeddingServerOptions, EmbeddingServerOptions>? configure = null)
    {
        spec ??= new TestModel();
        var temp = new TempDirectory();
        string path = spec.Write(temp.File("encoder.onnx"));
        var options = new EmbeddingServerOptions { ModelPath = path, Urls = ["http://127.0.0.1:0"] };
        options = configure?.Invoke(options) ?? options;
        EmbeddingServer server = EmbeddingServer.Create(options, logging => logging.ClearProviders());
        await server.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(server.Urls[0]), Timeout = TimeSpan.FromSeconds(30) };
        if (options.ApiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }
        return new RunningServer(temp, spec, path, server, client);
    }

    /// <summary>POSTs images to /v1/embeddings and returns their embeddings, failing on any status but 200.</summary>
    public async Task<float[][]> EmbedAsync(params byte[][] images)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("/v1/embeddings",
            new { model = "encoder", input = images.Select(Convert.ToBase64String).ToArray() });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        var parsed = System.Text.Json.JsonSerializer.Deserialize<EmbeddingResponse>(body, ServerJson.Options)!;
        return parsed.Data.Select(item => ((System.Text.Json.JsonElement)item.Embedding).EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
    }

    /// <summary>POSTs float32 pixels to /v1/embeddings/raw.</summary>
    public Task<HttpResponseMessage> PostRawAsync(float[] pixels, CancellationToken cancellationToken = default)
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return Client.PostAsync("/v1/embeddings/raw", content, cancellationToken);
    }

    /// <summary>The float32 body of a raw response.</summary>
    public static async Task<float[]> ReadFloatsAsync(HttpResponseMessage response)
    {
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _temp.Dispose();
    }
}
