using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data.Tests;
using Pipeline.Inference.Cli;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class InferCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestModel _spec = new(channels: 3, height: 6, width: 6);
    private readonly string _model;
    private readonly string[] _images;

    public InferCommandTests()
    {
        _model = _spec.Write(_temp.File("encoder.onnx"));
        _images = [_temp.File("photos/b.png"), _temp.File("photos/a, \"quoted\".png"), _temp.File("single.png")];
        for (int i = 0; i < _images.Length; i++)
        {
            File.WriteAllBytes(_images[i], TestImages.Png(10 + i, 7, (x, y) => new SKColor((byte)(x * 20), (byte)(y * 30), (byte)(i * 80))));
        }
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Embed_ToNpy_WritesFloat32RowsInInputOrderAndTheirNamesBeside()
    {
        string output = Path.Combine(_temp.Path, "out", "embeddings.npy");

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"),
            _images[2], "--out", output, "--batch-size", "2");

        Assert.True(exit == 0, stderr);
        Assert.Contains("embedded 3 images", stdout);
        byte[] npy = File.ReadAllBytes(output);
        Assert.Equal("\u0093NUMPY", Encoding.Latin1.GetString(npy, 0, 6));
        int headerLength = BitConverter.ToUInt16(npy, 8);
        string header = Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains($"'shape': (3, {_spec.EmbeddingDim})", header);
        Assert.Equal(0, (10 + headerLength) % 64);
        float[] values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(npy.AsSpan(10 + headerLength)).ToArray();
        Assert.Equal(Expected(["photos/a, \"quoted\".png", "photos/b.png", "single.png"]), values);
        Assert.Equal([Path.Combine(_temp.Path, "photos", "a, \"quoted\".png"), Path.Combine(_temp.Path, "photos", "b.png"), _images[2]],
            File.ReadAllLines(Path.Combine(_temp.Path, "out", "embeddings.files.txt")));
    }

    [Fact]
    public async Task Embed_ToCsv_QuotesNamesAndRoundTripsFloats()
    {
        string output = Path.Combine(_temp.Path, "embeddings.csv");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"), "--out", output);

        Assert.True(exit == 0, stderr);
        string[] lines = File.ReadAllLines(output);
        Assert.Equal("file," + string.Join(",", Enumerable.Range(0, _spec.EmbeddingDim).Select(d => $"e{d}")), lines[0]);
        string quoted = $"\"{Path.Combine(_temp.Path, "photos", "a, \"\"quoted\"\".png")}\"";
        Assert.StartsWith(quoted + ",", lines[1]);
        float[] row = lines[1][(quoted.Length + 1)..].Split(',').Select(text => float.Parse(text, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Expected(["photos/a, \"quoted\".png"]), row);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Embed_ToJsonl_WritesOneObjectPerImage()
    {
        string output = Path.Combine(_temp.Path, "embeddings.jsonl");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", _images[2], _images[0], "--out", output);

        Assert.True(exit == 0, stderr);
        JsonElement[] rows = File.ReadAllLines(output).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([_images[2], _images[0]], rows.Select(row => row.GetProperty("file").GetString()));
        Assert.Equal(Expected(["single.png"]), rows[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Theory]
    [InlineData("embeddings.txt", "end the name in .npy, .csv or .jsonl", ExitCodes.Usage)]
    [InlineData("embeddings.npy", "does not exist", ExitCodes.Failure)]
    [InlineData("a-file/embeddings.npy", "its folder cannot be created", ExitCodes.Usage)]
    public async Task Embed_BadOutputOrInput_ExitsWithOneLineSayingWhat(string output, string message, int code)
    {
        // The input is missing too: a bad --out must be found first, before any input is read or embedded.
        File.WriteAllText(Path.Combine(_temp.Path, "a-file"), "not a folder");
        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "absent"),
            "--out", Path.Combine(_temp.Path, output));

        Assert.Equal(code, exit);
        Assert.Contains("error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public async Task Serve_NonLoopbackWithoutApiKey_ExitsSayingHowToProtectIt()
    {
        Assert.Null(Environment.GetEnvironmentVariable("PIPELINE_API_KEY"));

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "serve", "--model", _model, "--urls", "http://0.0.0.0:0");

        Assert.Equal(1, exit);
        Assert.Contains("needs an API key", stderr);
    }

    [Fact]
    public async Task Embed_InShards_WritesPartsThatTogetherAreTheWholeSetInOrder()
    {
        string folder = Path.Combine(_temp.Path, "photos");
        string[] inputs = [folder, _images[2]];
        var parts = new List<string>();
        for (int index = 0; index < 2; index++)
        {
            string part = _temp.File($"parts/part-{index}.jsonl");
            (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), ["embed", "--model", _model, "--input", .. inputs, "--out", part,
                "--shard-index", index.ToString(CultureInfo.InvariantCulture), "--shard-count", "2"]);
            Assert.True(exit == 0, stderr);
            Assert.Contains($"(shard {index} of 2)", stdout);
            parts.AddRange(File.ReadAllLines(part));
        }
        string whole = _temp.File("whole.jsonl");
        (int wholeExit, _, string wholeError) = await CliRunner.RunAsync(InferCommand.Create(), ["embed", "--model", _model, "--input", .. inputs, "--out", whole]);

        Assert.True(wholeExit == 0, wholeError);
        Assert.Equal(File.ReadAllLines(whole), parts);
        Assert.Equal(3, parts.Count);
    }

    [Theory]
    [InlineData("2", "2", "--shard-index must be between 0 and --shard-count − 1 (1), not 2.", ExitCodes.Usage)]
    [InlineData("0", "0", "--shard-count must be a positive whole number, not '0'.", ExitCodes.Usage)]
    [InlineData("0", "4", "shard 0 of 4 of the inputs holds no images", ExitCodes.Failure)]
    public async Task Embed_WithImpossibleShards_SaysWhichOptionIsWrong(string index, string count, string message, int code)
    {
        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"),
            "--out", _temp.File("x.npy"), "--shard-index", index, "--shard-count", count);

        Assert.Equal(code, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task Embed_WithAnUnknownExecutionProvider_NamesTheAcceptedValuesNotTheEnumType()
    {
        string output = _temp.File("provider.npy");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"),
            "--out", output, "--execution-provider", "gpu");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--execution-provider must be auto, cpu or cuda, not 'gpu'.", stderr);
        Assert.DoesNotContain("Pipeline.Inference", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Embed_WithTheExecutionProviderInCapitals_ReadsIt()
    {
        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"),
            "--out", _temp.File("capitals.npy"), "--execution-provider", "CPU");

        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public void Help_ShowsEnumOptionsByTheirLowerCaseNames()
    {
        Option option = InferCommand.Create().Subcommands.Single(command => command.Name == "embed").Options.Single(option => option.Name == "--execution-provider");

        Assert.Equal("auto|cpu|cuda", option.HelpName);
    }

    [Fact]
    public async Task Embed_IntoAStore_UploadsTheFileAndItsNamesUnderTheKey()
    {
        string store = _temp.File("store/.keep");

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", Path.Combine(_temp.Path, "photos"),
            "--store", "file:" + Path.GetDirectoryName(store), "--out", "catalog/part-0-of-1.npy");

        Assert.True(exit == 0, stderr);
        string uploaded = Path.Combine(_temp.Path, "store", "catalog", "part-0-of-1.npy");
        Assert.True(File.Exists(uploaded), stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_temp.Path, "store", "catalog", "part-0-of-1.files.txt")).Length);
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.npy", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public async Task Embed_FromTheRegistry_PullsTheVersionOnceAndEmbedsWithIt()
    {
        string registry = "file:" + Path.Combine(_temp.Path, "registry");
        var models = new ModelRegistry(ArtifactStoreUri.Open(registry));
        await models.PublishAsync(new PublishRequest
        {
            Name = "encoders",
            Files = [new PublishFile("encoder.onnx", _model)],
            Lineage = new ModelLineage("test", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
            Aliases = [ModelNames.Latest, ModelNames.Champion],
        });
        string cache = Path.Combine(_temp.Path, "cache");
        string output = _temp.File("from-registry.jsonl");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", "registry:encoders@champion", "--registry", registry,
            "--cache", cache, "--input", _images[2], "--out", output);

        Assert.True(exit == 0, stderr);
        Assert.Contains("encoders@champion is v1", stderr);
        Assert.Equal(File.ReadAllBytes(_model), File.ReadAllBytes(Path.Combine(cache, "encoders", "v1", "fp32", "encoder.onnx")));
        JsonElement row = JsonDocument.Parse(File.ReadAllLines(output).Single()).RootElement;
        Assert.Equal(Expected(["single.png"]), row.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));

        // A cached file that is not the manifest's is refused, not embedded with.
        new TestModel(channels: 3, height: 6, width: 6, seed: 9).Write(Path.Combine(cache, "encoders", "v1", "fp32", "encoder.onnx"));
        (int tamperedExit, _, string tamperedError) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", "registry:encoders@v1", "--registry", registry,
            "--cache", cache, "--input", _images[2], "--out", output);
        Assert.Equal(1, tamperedExit);
        Assert.Contains("SHA-256", tamperedError);
    }

    [Fact]
    public async Task Evaluate_WithADataUriOfAnUnknownScheme_IsAUsageErrorOnOneLine()
    {
        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "evaluate", "--model", _model, "--data", "s3://bucket/images");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--data: 's3://bucket/images' is not a dataset URI", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Embed_OnCudaWhereNoneRuns_IsAUsageErrorOnOneLine_AndWritesNothing()
    {
        string output = Path.Combine(_temp.Path, "cuda.npy");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", _model, "--input", _images[2], "--out", output,
            "--execution-provider", "cuda");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("CUDA was asked for but cannot run here", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Serve_OnAPortAlreadyInUse_ExitsSayingSo_WithoutAStackTrace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "serve", "--model", _model, "--urls", url);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains($"--urls {url}: the address is already in use", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Theory]
    [InlineData("--batch-size 2", "--max-images-per-request must be between 1 and --batch-size 2, not 32.")]
    [InlineData("--batch-size 4 --max-images-per-request 2 --queue-capacity 2", "--queue-capacity must hold at least one full batch of --batch-size 4 images, not 2.")]
    [InlineData("--max-request-bytes 100", "--max-request-bytes must be at least 1024 bytes, not 100.")]
    public async Task Serve_WithLimitsThatContradictEachOther_NamesTheOptions(string options, string message)
    {
        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), ["serve", "--model", _model, "--urls", "http://127.0.0.1:0", .. options.Split(' ')]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Serve_StoppedBySigterm_AnswersTheRequestInFlight_ThenExits130()
    {
        string url;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            url = $"http://127.0.0.1:{((IPEndPoint)free.LocalEndpoint).Port}";
        }
        // A batch waits 3 s for a second image: the one request is still in flight when the signal comes.
        using Process server = CliProcess.StartInfer("serve", "--model", _model, "--urls", url, "--batch-size", "2", "--max-images-per-request", "1",
            "--max-wait-ms", "3000");
        Task<string> errorRead = server.StandardError.ReadToEndAsync();
        _ = server.StandardOutput.ReadToEndAsync();
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        Assert.True(CliProcess.WaitWhileRunning(server, () => Ready(client)), "serve never became ready");
        float[] pixels = _spec.RandomPixels(1, seed: 3);
        var body = new ByteArrayContent(MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        Task<HttpResponseMessage> inFlight = client.PostAsync("/v1/embeddings/raw", body);
        await Task.Delay(500);
        Assert.False(inFlight.IsCompleted, "the request was answered before the signal");
        CliProcess.Signal(server, "TERM");

        using HttpResponseMessage answered = await inFlight;
        byte[] bytes = await answered.Content.ReadAsByteArrayAsync();
        Assert.True(answered.IsSuccessStatusCode, $"{(int)answered.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        float[] expected = _spec.Forward(pixels);
        float[] served = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        Assert.Equal(expected.Length, served.Length);
        Assert.All(expected.Zip(served), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        Assert.True(server.WaitForExit(TimeSpan.FromMinutes(1)), "serve did not stop after SIGTERM");
        string error = await errorRead;
        Assert.True(server.ExitCode == ExitCodes.Cancelled, $"exit {server.ExitCode}: {error}");
        Assert.Contains("cancelled.", error);
        Assert.DoesNotContain("   at ", error);
    }

    private static bool Ready(HttpClient client)
    {
        try
        {
            using HttpResponseMessage response = client.GetAsync("/readyz").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Embed_FromAnUnknownRegistryModel_SaysWhatTheRegistryHolds()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "empty-registry"));

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", "registry:absent@champion", "--registry",
            "file:" + Path.Combine(_temp.Path, "empty-registry"), "--input", _images[2], "--out", _temp.File("x.npy"));

        Assert.Equal(1, exit);
        Assert.Contains("absent", stderr);
    }

    private float[] Expected(string[] relativePaths)
    {
        using EmbeddingModel model = EmbeddingModel.Load(_model);
        return model.EmbedImages(relativePaths.Select(path => (ReadOnlyMemory<byte>)File.ReadAllBytes(Path.Combine(_temp.Path, path))).ToArray());
    }
}
