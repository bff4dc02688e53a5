using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Inference.Server;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Server;

/// <summary>One server, shared by every case of <see cref="BadInputTests"/>: it must survive them all.</summary>
public sealed class BadInputServer : IAsyncLifetime
{
    internal RunningServer Running { get; private set; } = null!;

    public async Task InitializeAsync() => Running = await RunningServer.StartAsync(configure: options => options with
    {
        MaxImagesPerRequest = 4,
        Batching = options.Batching with { MaxBatchSize = 4 },
        MaxRequestBytes = 64 * 1024,
        ImageLimits = new ImageLimits(64, 64),
    });

    public async Task DisposeAsync() => await Running.DisposeAsync();
}

/// <summary>
/// The bad-input corpus: every malformed request gets a 4xx with a JSON error whose code says what was wrong, and the
/// server answers a good request afterwards.
/// </summary>
public sealed class BadInputTests : IClassFixture<BadInputServer>
{
    private const string Json = "application/json";
    private const string Binary = "application/octet-stream";
    private static readonly string Png = Convert.ToBase64String(TestImages.Png(8, 8));
    private static readonly int ImageFloats = new TestModel().ImageSize;

    private static readonly Dictionary<string, BadRequest> Cases = new()
    {
        ["invalid json"] = JsonBody("{\"model\": \"encoder\", \"input\": [", 400, "invalid_json"),
        ["empty body"] = JsonBody("", 400, "invalid_json"),
        ["json array body"] = JsonBody("[]", 400, "invalid_json"),
        ["json string body"] = JsonBody("\"hello\"", 400, "invalid_json"),
        ["missing input"] = JsonBody("{\"model\": \"encoder\"}", 400, "missing_input"),
        ["null input"] = JsonBody("{\"model\": \"encoder\", \"input\": null}", 400, "missing_input"),
        ["number input"] = JsonBody("{\"model\": \"encoder\", \"input\": 5}", 400, "invalid_input"),
        ["object input"] = JsonBody("{\"model\": \"encoder\", \"input\": {\"a\": 1}}", 400, "invalid_input"),
        ["empty input list"] = JsonBody("{\"model\": \"encoder\", \"input\": []}", 400, "empty_input"),
        ["empty image string"] = JsonBody("{\"model\": \"encoder\", \"input\": [\"\"]}", 400, "empty_image"),
        ["number in input list"] = JsonBody("{\"model\": \"encoder\", \"input\": [1]}", 400, "invalid_input"),
        ["null in input list"] = JsonBody($"{{\"model\": \"encoder\", \"input\": [\"{Png}\", null]}}", 400, "invalid_input"),
        ["invalid base64"] = JsonBody("{\"model\": \"encoder\", \"input\": [\"!!not base64!!\"]}", 400, "invalid_base64"),
        ["base64 of text"] = Images([Encoding.UTF8.GetBytes("just some text, not a picture")], 400, "invalid_image"),
        ["truncated png"] = Images([TestImages.Png(16, 16)[..40]], 400, "invalid_image"),
        ["webp image"] = Images([Webp()], 400, "invalid_image"),
        ["image too wide"] = Images([TestImages.Png(65, 8)], 400, "image_too_large"),
        ["image too tall"] = Images([TestImages.Png(8, 65)], 400, "image_too_large"),
        ["too many images"] = Images(Enumerable.Repeat(TestImages.Png(8, 8), 5).ToArray(), 400, "too_many_images"),
        ["data url of text"] = JsonBody($"{{\"model\": \"encoder\", \"input\": [\"data:text/plain;base64,{Png}\"]}}", 400, "unsupported_image_type"),
        ["data url without base64"] = JsonBody("{\"model\": \"encoder\", \"input\": [\"data:image/png,abc\"]}", 400, "invalid_data_url"),
        ["unknown model"] = JsonBody($"{{\"model\": \"text-embedding-3-small\", \"input\": [\"{Png}\"]}}", 404, "model_not_found"),
        ["missing model"] = JsonBody($"{{\"input\": [\"{Png}\"]}}", 400, "missing_model"),
        ["model not a string"] = JsonBody($"{{\"model\": 7, \"input\": [\"{Png}\"]}}", 400, "invalid_model"),
        ["unknown encoding format"] = JsonBody($"{{\"model\": \"encoder\", \"input\": [\"{Png}\"], \"encoding_format\": \"int8\"}}", 400, "invalid_encoding_format"),
        ["encoding format not a string"] = JsonBody($"{{\"model\": \"encoder\", \"input\": [\"{Png}\"], \"encoding_format\": 1}}", 400, "invalid_encoding_format"),
        ["text content type"] = new("/v1/embeddings", "text/plain", Encoding.UTF8.GetBytes($"{{\"model\": \"encoder\", \"input\": [\"{Png}\"]}}"), 415, "unsupported_media_type"),
        ["no content type"] = new("/v1/embeddings", null, Encoding.UTF8.GetBytes($"{{\"model\": \"encoder\", \"input\": [\"{Png}\"]}}"), 415, "unsupported_media_type"),
        ["body too large"] = JsonBody($"{{\"model\": \"encoder\", \"input\": [\"{new string('A', 70 * 1024)}\"]}}", 413, "request_too_large"),
        ["raw with json content type"] = new("/v1/embeddings/raw", Json, Floats(new float[ImageFloats]), 415, "unsupported_media_type"),
        ["raw empty body"] = new("/v1/embeddings/raw", Binary, [], 400, "wrong_size"),
        ["raw not whole floats"] = new("/v1/embeddings/raw", Binary, new byte[ImageFloats * 4 + 2], 400, "wrong_size"),
        ["raw not whole images"] = new("/v1/embeddings/raw", Binary, Floats(new float[ImageFloats + 1]), 400, "wrong_size"),
        ["raw NaN"] = new("/v1/embeddings/raw", Binary, Floats(Filled(float.NaN)), 400, "non_finite_value"),
        ["raw infinity"] = new("/v1/embeddings/raw", Binary, Floats(Filled(float.NegativeInfinity)), 400, "non_finite_value"),
        ["raw bytes not scaled"] = new("/v1/embeddings/raw", Binary, Floats(Filled(200f)), 400, "value_out_of_range"),
        ["raw negative"] = new("/v1/embeddings/raw", Binary, Floats(Filled(-0.5f)), 400, "value_out_of_range"),
        ["raw too many images"] = new("/v1/embeddings/raw", Binary, Floats(new float[ImageFloats * 5]), 400, "too_many_images"),
        ["raw unknown model"] = new("/v1/embeddings/raw?model=other", Binary, Floats(new float[ImageFloats]), 404, "model_not_found"),
        ["unknown route"] = new("/v1/embedding", Json, "{}"u8.ToArray(), 404, "route_not_found"),
        ["reload without an api key"] = new("/v1/models/reload", Json, "{}"u8.ToArray(), 403, "reload_needs_api_key"),
    };

    private readonly RunningServer _server;

    public BadInputTests(BadInputServer fixture)
    {
        _server = fixture.Running;
    }

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Fact]
    public void Corpus_HasACaseForEveryWayTheEmbeddingEndpointsRefuseARequest()
    {
        // The codes the endpoints, and the image and pixel checks behind them, refuse a request with: every 4xx but 429,
        // which says "busy", not "bad".
        IEnumerable<string> refusals = Regex.Matches(Source("Pipeline.Inference.Server", "EmbeddingsEndpoints.cs"), @"new(?: ApiException)?\((4\d\d), ""([a-z0-9_]+)""")
            .Where(match => match.Groups[1].Value != "429")
            .Select(match => match.Groups[2].Value);
        foreach (string file in new[] { "ImageInput.cs", "EmbeddingModel.cs" })
        {
            refusals = refusals.Concat(Regex.Matches(Source("Pipeline.Inference", file), @"new InvalidInputException\(""([a-z0-9_]+)""").Select(match => match.Groups[1].Value));
        }
        string[] codes = refusals.Distinct().Order(StringComparer.Ordinal).ToArray();

        Assert.True(codes.Length >= 15, $"the scan found only {string.Join(", ", codes)}");
        Assert.Empty(codes.Except(Cases.Values.Select(bad => bad.Code)));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadRequest_GetsA4xxWithAJsonErrorAndTheServerKeepsServing(string name)
    {
        BadRequest bad = Cases[name];
        using var content = new ByteArrayContent(bad.Body);
        if (bad.ContentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(bad.ContentType);
        }

        using HttpResponseMessage response = await _server.Client.PostAsync(bad.Path, content);

        string body = await response.Content.ReadAsStringAsync();
        Assert.True(bad.Status == (int)response.StatusCode, $"{name}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument error = JsonDocument.Parse(body);
        JsonElement detail = error.RootElement.GetProperty("error");
        Assert.Equal(bad.Code, detail.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(detail.GetProperty("message").GetString()));

        float[][] embeddings = await _server.EmbedAsync(TestImages.Png(8, 8));
        Assert.Equal(_server.Spec.EmbeddingDim, Assert.Single(embeddings).Length);
    }

    [Fact]
    public async Task Metrics_CountFailuresByReason()
    {
        using var content = new StringContent("{\"model\": \"encoder\", \"input\": []}", Encoding.UTF8, Json);
        (await _server.Client.PostAsync("/v1/embeddings", content)).Dispose();

        string metrics = await _server.Client.GetStringAsync("/metrics");

        Assert.Contains("pipeline_request_failures_total{route=\"/v1/embeddings\",reason=\"empty_input\"}", metrics);
    }

    [Theory]
    [InlineData("POST", "/v1/embedding", 404, "route_not_found", "unmatched")]
    [InlineData("GET", "/v1/embeddings", 405, "method_not_allowed", "unmatched")]
    public async Task RoutingRefusal_GetsAJsonErrorAndIsCountedByReason(string method, string path, int status, string code, string route)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, Json) };

        using HttpResponseMessage response = await _server.Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains($"pipeline_request_failures_total{{route=\"{route}\",reason=\"{code}\"}}", await _server.Client.GetStringAsync("/metrics"));
    }

    private static string Source(string project, string file) => File.ReadAllText(RepositoryRoot.Combine("inference", project, file));

    private static BadRequest JsonBody(string json, int status, string code) =>
        new("/v1/embeddings", Json, Encoding.UTF8.GetBytes(json), status, code);

    private static BadRequest Images(byte[][] images, int status, string code) =>
        JsonBody(JsonSerializer.Serialize(new { model = "encoder", input = images.Select(Convert.ToBase64String) }), status, code);

    private static byte[] Floats(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static float[] Filled(float bad)
    {
        float[] values = new float[ImageFloats];
        Array.Fill(values, 0.5f);
        values[ImageFloats / 2] = bad;
        return values;
    }

    private static byte[] Webp()
    {
        using var bitmap = new SKBitmap(8, 8);
        bitmap.Erase(SKColors.Green);
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Webp, 90);
        return data.ToArray();
    }

    private sealed record BadRequest(string Path, string? ContentType, byte[] Body, int Status, string Code);
}
