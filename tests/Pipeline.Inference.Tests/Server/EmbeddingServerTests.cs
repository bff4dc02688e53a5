using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Server;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Server;

public sealed class EmbeddingServerTests
{
    [Fact]
    public async Task Embeddings_OpenAiShapedRequest_GetsTheInProcessEmbeddingsInOrder()
    {
        await using RunningServer running = await RunningServer.StartAsync();
        byte[][] images = [TestImages.Png(8, 8, (x, y) => new SKColor((byte)(x * 30), 0, 0)), TestImages.Png(20, 10)];

        using HttpResponseMessage response = await running.Client.PostAsJsonAsync("/v1/embeddings", new
        {
            model = "encoder",
            input = new[] { Convert.ToBase64String(images[0]), "data:image/png;base64," + Convert.ToBase64String(images[1]) },
        });

        response.EnsureSuccessStatusCode();
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = body.RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal("encoder", root.GetProperty("model").GetString());
        Assert.Equal(2, root.GetProperty("usage").GetProperty("images").GetInt32());
        JsonElement[] data = root.GetProperty("data").EnumerateArray().ToArray();
        using EmbeddingModel local = EmbeddingModel.Load(running.ModelPath);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal("embedding", data[i].GetProperty("object").GetString());
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            float[] embedding = data[i].GetProperty("embedding").EnumerateArray().Select(value => value.GetSingle()).ToArray();
            Assert.Equal(local.EmbedImages([images[i]]), embedding);
        }
    }

    [Fact]
    public async Task Embeddings_Base64EncodingFormat_GivesLittleEndianFloat32()
    {
        await using RunningServer running = await RunningServer.StartAsync();
        byte[] image = TestImages.Png(8, 8);

        using HttpResponseMessage response = await running.Client.PostAsJsonAsync("/v1/embeddings",
            new { model = "encoder", input = Convert.ToBase64String(image), encoding_format = "base64" });

        response.EnsureSuccessStatusCode();
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string base64 = body.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!;
        Assert.Equal((await running.EmbedAsync(image))[0], MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(base64)).ToArray());
    }

    [Fact]
    public async Task Raw_FloatTensor_GetsTheInProcessEmbeddings()
    {
        await using RunningServer running = await RunningServer.StartAsync();
        float[] pixels = running.Spec.RandomPixels(3, seed: 4);

        using HttpResponseMessage response = await running.PostRawAsync(pixels);

        float[] embeddings = await RunningServer.ReadFloatsAsync(response);
        Assert.Equal("3", response.Headers.GetValues("X-Embedding-Count").Single());
        Assert.Equal(running.Spec.EmbeddingDim.ToString(), response.Headers.GetValues("X-Embedding-Dim").Single());
        using EmbeddingModel local = EmbeddingModel.Load(running.ModelPath);
        Assert.Equal(local.Embed(pixels), embeddings);
    }

    [Fact]
    public async Task Raw_ConcurrentRequests_GiveExactlyTheEmbeddingsOfSingleCalls()
    {
        await using RunningServer running = await RunningServer.StartAsync(
            configure: options => options with { Batching = options.Batching with { MaxWait = TimeSpan.FromMilliseconds(5) } });
        float[][] inputs = Enumerable.Range(0, 48).Select(i => running.Spec.RandomPixels(1 + i % 4, seed: i)).ToArray();
        using EmbeddingModel local = EmbeddingModel.Load(running.ModelPath);
        float[][] expected = inputs.Select(input => local.Embed(input)).ToArray();

        float[][] served = await Task.WhenAll(inputs.Select(async input =>
        {
            using HttpResponseMessage response = await running.PostRawAsync(input);
            return await RunningServer.ReadFloatsAsync(response);
        }));

        Assert.Equal(expected, served);
        string metrics = await running.Client.GetStringAsync("/metrics");
        Assert.Contains("pipeline_batch_size_count", metrics);
    }

    [Fact]
    public async Task Overload_QueueFull_Answers429WithRetryAfterAtOnce()
    {
        var heavy = new TestModel(channels: 3, height: 96, width: 96, filters: 64);
        await using RunningServer running = await RunningServer.StartAsync(heavy, options => options with
        {
            Batching = new Inference.Batching.BatchPolicy(MaxBatchSize: 2, MaxWait: TimeSpan.Zero, QueueCapacity: 2),
            MaxImagesPerRequest = 2,
        });
        float[] pixels = heavy.RandomPixels(2, seed: 1);

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => running.PostRawAsync(pixels)));

        try
        {
            Assert.All(responses, response => Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
            HttpResponseMessage[] refused = responses.Where(response => response.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
            Assert.NotEmpty(refused);
            Assert.Contains(responses, response => response.StatusCode == HttpStatusCode.OK);
            Assert.All(refused, response => Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta));
            using JsonDocument error = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync());
            Assert.Equal("queue_full", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task ClientThatGoesAway_IsCountedAsClientClosedRequest_AndTheServerKeepsServing()
    {
        // A batch waits up to a minute for a second image, so the one request waits until its client gives up.
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with
        {
            Batching = new Inference.Batching.BatchPolicy(MaxBatchSize: 2, MaxWait: TimeSpan.FromMinutes(1), QueueCapacity: 2),
            MaxImagesPerRequest = 2,
        });
        using var leave = new CancellationTokenSource();
        Task<HttpResponseMessage> waiting = running.PostRawAsync(running.Spec.RandomPixels(1, seed: 1), leave.Token);
        // In flight: the request waiting for its batch, and the scrape of /metrics itself.
        Assert.True(await MetricsShowAsync(running, "pipeline_requests_in_flight 2"), "the request never came");

        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(await MetricsShowAsync(running,
            "pipeline_request_failures_total{route=\"/v1/embeddings/raw\",reason=\"client_closed_request\"} 1"),
            "the request given up was not counted");
        using HttpResponseMessage answered = await running.PostRawAsync(running.Spec.RandomPixels(2, seed: 2));
        Assert.Equal(2 * running.Spec.EmbeddingDim, (await RunningServer.ReadFloatsAsync(answered)).Length);
    }

    [Fact]
    public async Task Reload_UnderLoad_LosesNoRequestAndSwapsTheModel()
    {
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with { ApiKey = RunningServer.Key });
        var next = new TestModel(seed: 2);
        string nextPath = next.Write(Path.Combine(running.Folder, "next.onnx"));
        float[] pixels = running.Spec.RandomPixels(2, seed: 9);
        float[] before = running.Spec.Forward(pixels);
        float[] after = next.Forward(pixels);
        using var stop = new CancellationTokenSource();
        int served = 0;

        Task[] clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using HttpResponseMessage response = await running.PostRawAsync(pixels);
                float[] embeddings = await RunningServer.ReadFloatsAsync(response);
                Assert.True(Close(embeddings, before) || Close(embeddings, after), "an embedding of neither model");
                Interlocked.Increment(ref served);
            }
        })).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref served) > 20, TimeSpan.FromSeconds(20));
        using HttpResponseMessage reload = await running.Client.PostAsJsonAsync("/v1/models/reload", new { path = nextPath });
        int servedAtSwap = Volatile.Read(ref served);
        SpinWait.SpinUntil(() => Volatile.Read(ref served) > servedAtSwap + 20, TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await reload.Content.ReadAsStringAsync());
        Assert.Equal(running.Server.Model.Current.Sha256, body.RootElement.GetProperty("sha256").GetString());
        Assert.NotEqual(body.RootElement.GetProperty("previous_sha256").GetString(), body.RootElement.GetProperty("sha256").GetString());
        using HttpResponseMessage last = await running.PostRawAsync(pixels);
        Assert.True(Close(await RunningServer.ReadFloatsAsync(last), after));
    }

    [Fact]
    public async Task Reload_BrokenOrMismatchedModel_IsRefusedAndTheOldOneKeepsServing()
    {
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with { ApiKey = RunningServer.Key });
        string servedSha = running.Server.Model.Current.Sha256;
        string nan = new TestModel(nanWeights: true).Write(Path.Combine(running.Folder, "nan.onnx"));
        string wider = new TestModel(embeddingDim: 9).Write(Path.Combine(running.Folder, "wider.onnx"));
        string good = new TestModel(seed: 3).Write(Path.Combine(running.Folder, "good.onnx"));
        File.WriteAllText(Path.Combine(running.Folder, "text.onnx"), "not a model");

        (object Body, string Reason)[] refusals =
        [
            (new { path = nan }, "NaN"),
            (new { path = wider }, "restart the server"),
            (new { path = Path.Combine(running.Folder, "text.onnx") }, "does not load"),
            (new { path = Path.Combine(running.Folder, "absent.onnx") }, "does not exist"),
            (new { path = good, sha256 = new string('0', 64) }, "not the expected"),
        ];
        foreach ((object body, string reason) in refusals)
        {
            using HttpResponseMessage response = await running.Client.PostAsJsonAsync("/v1/models/reload", body);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, text);
            Assert.Contains(reason, text);
            Assert.Equal(servedSha, running.Server.Model.Current.Sha256);
            Assert.Single(await running.EmbedAsync(TestImages.Png(8, 8)));
        }
        Assert.Contains("pipeline_model_reloads_total{outcome=\"refused\"} 5", await running.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Watch_ModelFileReplaced_ServesTheNewModel()
    {
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with { WatchModelFile = true });
        string first = running.Server.Model.Current.Sha256;
        string staged = new TestModel(seed: 5).Write(Path.Combine(running.Folder, "staged.onnx"));

        File.Move(staged, running.ModelPath, overwrite: true);

        Assert.True(SpinWait.SpinUntil(() => running.Server.Model.Current.Sha256 != first, TimeSpan.FromSeconds(15)),
            "the watched file was not reloaded");
        Assert.Single(await running.EmbedAsync(TestImages.Png(8, 8)));
    }

    [Fact]
    public async Task ApiKey_RequiredOnEveryRouteButTheProbes()
    {
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with { ApiKey = RunningServer.Key });
        using var anonymous = new HttpClient { BaseAddress = running.Client.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = running.Client.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "test-key-0123456789abcdeX");

        using HttpResponseMessage missing = await anonymous.GetAsync("/v1/models");
        using HttpResponseMessage mismatched = await wrong.GetAsync("/metrics");
        using HttpResponseMessage health = await anonymous.GetAsync("/healthz");
        using HttpResponseMessage ready = await anonymous.GetAsync("/readyz");
        using HttpResponseMessage allowed = await running.Client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("invalid_api_key", await mismatched.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, mismatched.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://192.0.2.1:8080")]
    public void Create_NonLoopbackWithoutApiKey_IsRefusedBeforeBinding(string url)
    {
        var options = new EmbeddingServerOptions { ModelPath = "unused.onnx", Urls = [url] };

        var error = Assert.Throws<UnprotectedAddressException>(() => EmbeddingServer.Create(options));

        Assert.Contains(EmbeddingServerOptions.ApiKeyVariable, error.Message);
        Assert.Contains("serve insecurely", error.Message);
        Assert.Equal([url], error.Addresses);
    }

    [Fact]
    public async Task Probes_ModelsMetricsAndOpenApi_DescribeTheServer()
    {
        await using RunningServer running = await RunningServer.StartAsync(configure: options => options with { ModelName = "fashion" });

        using JsonDocument models = JsonDocument.Parse(await running.Client.GetStringAsync("/v1/models"));
        using JsonDocument ready = JsonDocument.Parse(await running.Client.GetStringAsync("/readyz"));
        string metrics = await running.Client.GetStringAsync("/metrics");
        string openApi = await running.Client.GetStringAsync("/openapi/v1.json");

        JsonElement card = models.RootElement.GetProperty("data")[0];
        Assert.Equal("fashion", card.GetProperty("id").GetString());
        Assert.Equal([1, 8, 8], card.GetProperty("input_shape").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(running.Spec.EmbeddingDim, card.GetProperty("embedding_dim").GetInt32());
        Assert.Equal("cpu", card.GetProperty("execution_provider").GetString());
        Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
        Assert.Contains("pipeline_requests_total{route=\"/v1/models\"}", metrics);
        Assert.Contains("pipeline_requests_in_flight", metrics);
        Assert.Contains("pipeline_queued_images", metrics);
        Assert.Contains("\"/v1/embeddings\"", openApi);
        Assert.Contains("\"/v1/models/reload\"", openApi);
    }

    // Polls /metrics for up to 10 s until it holds the line.
    private static async Task<bool> MetricsShowAsync(RunningServer running, string line)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(50))
        {
            if ((await running.Client.GetStringAsync("/metrics")).Contains(line))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Close(float[] actual, float[] expected) =>
        actual.Length == expected.Length && actual.Zip(expected).All(pair => Math.Abs(pair.First - pair.Second) < 1e-4);
}
