using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipeline.Data.Tests;
using Pipeline.Inference.Search;
using Pipeline.Inference.Server;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Server;

/// <summary>A server with an index of <see cref="SearchEndpointTests.CatalogueSize"/> images, shared by the search tests that do not change it.</summary>
public sealed class SearchServer : IAsyncLifetime
{
    internal RunningServer Running { get; private set; } = null!;

    internal byte[][] Images { get; } = SearchEndpointTests.Catalogue();

    internal EmbeddingIndex Index { get; private set; } = null!;

    public async Task InitializeAsync() => Running = await RunningServer.StartAsync(configure: options =>
    {
        Index = SearchEndpointTests.IndexOf(options.ModelPath, Images);
        return options with { Index = Index, MaxTopK = 50, MaxRequestBytes = 64 * 1024 };
    });

    public async Task DisposeAsync() => await Running.DisposeAsync();
}

public sealed class SearchEndpointTests : IClassFixture<SearchServer>
{
    internal const int CatalogueSize = 20;

    private readonly SearchServer _server;

    public SearchEndpointTests(SearchServer server) => _server = server;

    private HttpClient Client => _server.Running.Client;

    [Fact]
    public async Task AnImage_FindsItselfFirst_ThenItsNearestEntriesByCosine()
    {
        JsonElement body = await SearchAsync(new { input = Convert.ToBase64String(_server.Images[7]), top_k = 3 });

        JsonElement[] data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(3, data.Length);
        Assert.Equal("catalogue/07.png", data[0].GetProperty("id").GetString());
        Assert.Equal(1f, data[0].GetProperty("score").GetSingle(), 4);
        float[] query = _server.Index.Vectors.Slice(7 * _server.Index.Dim, _server.Index.Dim).ToArray();
        Assert.Equal(_server.Index.Search(query, 3).Select(hit => hit.Id), data.Select(item => item.GetProperty("id").GetString()));
        Assert.Equal([0, 1, 2], data.Select(item => item.GetProperty("index").GetInt32()));
        Assert.Equal("search_result", data[0].GetProperty("object").GetString());
        Assert.Equal("encoder", body.GetProperty("model").GetString());
        Assert.Equal(1, body.GetProperty("usage").GetProperty("images").GetInt32());
        Assert.Equal(CatalogueSize, body.GetProperty("usage").GetProperty("entries_compared").GetInt32());
    }

    [Fact]
    public async Task AnEmbedding_FindsWhatTheLibraryFinds_AndADataUrlImageWorksToo()
    {
        float[] query = [0.4f, -1.2f, 0.3f, 2f, 0.1f];

        JsonElement body = await SearchAsync(new { embedding = query, top_k = 5, model = "encoder", model_sha256 = _server.Index.ModelSha256 });

        Assert.Equal(_server.Index.Search(query, 5).Select(hit => hit.Id),
            body.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("id").GetString()));
        Assert.Equal(0, body.GetProperty("usage").GetProperty("images").GetInt32());

        JsonElement fromDataUrl = await SearchAsync(new { input = "data:image/png;base64," + Convert.ToBase64String(_server.Images[3]) });
        Assert.Equal("catalogue/03.png", fromDataUrl.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(SearchEndpoints.DefaultTopK, fromDataUrl.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task TopKAboveTheEntries_ReturnsThemAll()
    {
        JsonElement body = await SearchAsync(new { embedding = new[] { 1f, 0, 0, 0, 0 }, top_k = 50 });

        Assert.Equal(CatalogueSize, body.GetProperty("data").GetArrayLength());
    }

    public static TheoryData<string, int, string> BadSearches => new()
    {
        { "{\"embedding\": [1, 2, 3], \"top_k\": 3}", 400, "wrong_width" },
        { "{\"embedding\": [1, 2, 3, 4, 5, 6], \"top_k\": 3}", 400, "wrong_width" },
        { "{\"embedding\": [0, 0, 0, 0, 0]}", 400, "zero_vector" },
        { "{\"embedding\": [1, 2, \"x\", 4, 5]}", 400, "invalid_embedding" },
        { "{\"embedding\": [1, 2, 1e300, 4, 5]}", 400, "invalid_embedding" },
        { "{\"embedding\": \"1,2,3,4,5\"}", 400, "invalid_embedding" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": 0}", 400, "invalid_top_k" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": -1}", 400, "invalid_top_k" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": 51}", 400, "invalid_top_k" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": 2.5}", 400, "invalid_top_k" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": \"3\"}", 400, "invalid_top_k" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"top_k\": 99999999999}", 400, "invalid_top_k" },
        { "{\"top_k\": 3}", 400, "missing_query" },
        { "{\"input\": \"AAAA\", \"embedding\": [1, 2, 3, 4, 5]}", 400, "ambiguous_query" },
        { "{\"input\": [\"AAAA\"]}", 400, "invalid_input" },
        { "{\"input\": \"!!not base64!!\"}", 400, "invalid_base64" },
        { "{\"input\": \"aGVsbG8=\"}", 400, "invalid_image" },
        { "{\"input\": \"\"}", 400, "empty_image" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"model\": \"other\"}", 404, "model_not_found" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"model_sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\"}", 409, "model_mismatch" },
        { "{\"embedding\": [1, 2, 3, 4, 5], \"model_sha256\": 5}", 409, "model_mismatch" },
        { "[1, 2, 3]", 400, "invalid_json" },
        { "{\"embedding\": [1, 2,", 400, "invalid_json" },
    };

    [Theory]
    [MemberData(nameof(BadSearches))]
    public async Task ABadSearch_GetsA4xxSayingWhat_AndTheServerKeepsSearching(string json, int status, string code)
    {
        using HttpResponseMessage response = await Client.PostAsync(SearchEndpoints.Route, new StringContent(json, Encoding.UTF8, "application/json"));

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{(int)response.StatusCode}: {text}");
        JsonElement error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal("catalogue/00.png", (await SearchAsync(new { input = Convert.ToBase64String(_server.Images[0]), top_k = 1 }))
            .GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task ABodyOverTheLimit_Gets413()
    {
        string json = $"{{\"embedding\": [{string.Join(", ", Enumerable.Repeat("1.0", 40_000))}]}}";

        using HttpResponseMessage response = await Client.PostAsync(SearchEndpoints.Route, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("request_too_large", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABodyThatIsNotJson_Gets415()
    {
        using HttpResponseMessage response = await Client.PostAsync(SearchEndpoints.Route, new StringContent("x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task WithoutAnIndex_SearchIsA404SayingHowToGetOne()
    {
        await using RunningServer plain = await RunningServer.StartAsync();

        using HttpResponseMessage response = await plain.Client.PostAsJsonAsync(SearchEndpoints.Route, new { embedding = new[] { 1f, 0, 0, 0, 0 } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("--index", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AfterTheServedModelChanges_EverySearchIsRefusedWith409()
    {
        byte[][] images = Catalogue();
        await using RunningServer running = await RunningServer.StartAsync(configure: options =>
            options with { ApiKey = RunningServer.Key, Index = IndexOf(options.ModelPath, images) });
        string next = new TestModel(seed: 2).Write(Path.Combine(running.Folder, "next.onnx"));
        var query = new { input = Convert.ToBase64String(images[0]), top_k = 2 };
        using (HttpResponseMessage before = await running.Client.PostAsJsonAsync(SearchEndpoints.Route, query))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (HttpResponseMessage reload = await running.Client.PostAsJsonAsync("/v1/models/reload", new { path = next }))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        foreach (object body in new object[] { query, new { embedding = new[] { 1f, 0, 0, 0, 0 } } })
        {
            using HttpResponseMessage after = await running.Client.PostAsJsonAsync(SearchEndpoints.Route, body);
            string text = await after.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
            JsonElement error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            Assert.Equal("model_mismatch", error.GetProperty("code").GetString());
            Assert.Contains(running.Server.Model.Current.Sha256, error.GetProperty("message").GetString());
        }
        // The embeddings route keeps serving the new model.
        Assert.Single(await running.EmbedAsync(images[0]));
    }

    [Fact]
    public async Task AStandardizedIndex_StandardizesARawEmbeddingQuery_AndFindsItsImageFirst()
    {
        byte[][] images = Catalogue();
        EmbeddingIndex index = null!;
        float[] embeddings = null!;
        await using RunningServer running = await RunningServer.StartAsync(configure: options =>
        {
            index = IndexOf(options.ModelPath, images, IndexMetric.StandardizedCosine);
            using EmbeddingModel model = EmbeddingModel.Load(options.ModelPath);
            embeddings = model.EmbedImages(images.Select(png => (ReadOnlyMemory<byte>)png).ToArray());
            return options with { Index = index };
        });
        int dim = index.Dim;
        float[] raw = embeddings[(11 * dim)..(12 * dim)];

        using HttpResponseMessage response = await running.Client.PostAsJsonAsync(SearchEndpoints.Route, new { embedding = raw, top_k = 5 });
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, text);
        JsonElement[] data = JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal("catalogue/11.png", data[0].GetProperty("id").GetString());
        Assert.Equal(1f, data[0].GetProperty("score").GetSingle(), 4);
        IReadOnlyList<SearchHit> expected = index.Search(raw, 5);
        Assert.Equal(expected.Select(hit => hit.Id), data.Select(item => item.GetProperty("id").GetString()));
        Assert.Equal(expected.Select(hit => hit.Score), data.Select(item => item.GetProperty("score").GetSingle()));
        // The stored vector is the standardised one: the raw embedding's own cosine to it is not 1.
        ReadOnlySpan<float> stored = index.Vectors.Slice(11 * dim, dim);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(raw, stored) < 0.999f);

        using HttpResponseMessage image = await running.Client.PostAsJsonAsync(SearchEndpoints.Route, new { input = Convert.ToBase64String(images[11]), top_k = 1 });
        Assert.Contains("catalogue/11.png", await image.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnIndexOfAnotherModel_IsRefusedAtStart()
    {
        using var temp = new TempDirectory();
        EmbeddingIndex other = IndexOf(new TestModel(seed: 3).Write(temp.File("other.onnx")), Catalogue());

        await Assert.ThrowsAsync<IndexModelMismatchException>(() => RunningServer.StartAsync(configure: options => options with { Index = other }));
    }

    private async Task<JsonElement> SearchAsync(object request)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync(SearchEndpoints.Route, request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary><see cref="CatalogueSize"/> distinct 8x8 PNGs.</summary>
    internal static byte[][] Catalogue() => Enumerable.Range(0, CatalogueSize)
        .Select(i => TestImages.Png(8, 8, (x, y) => new SKColor((byte)(i * 12 + x * 5), (byte)((i * 37 + y * 20) % 256), (byte)(x * y * 3))))
        .ToArray();

    /// <summary>An index of <paramref name="images"/> (ids <c>catalogue/NN.png</c>) built with the model at <paramref name="modelPath"/>.</summary>
    internal static EmbeddingIndex IndexOf(string modelPath, byte[][] images, IndexMetric metric = IndexMetric.Cosine)
    {
        using EmbeddingModel model = EmbeddingModel.Load(modelPath);
        return EmbeddingIndex.Build(model.Sha256, model.EmbeddingDim, Enumerable.Range(0, images.Length).Select(i => $"catalogue/{i:D2}.png").ToArray(),
            model.EmbedImages(images.Select(png => (ReadOnlyMemory<byte>)png).ToArray()), metric);
    }
}
