using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data.Tests;
using Pipeline.Inference.Cli;
using Pipeline.Inference.Quantization;
using Pipeline.Inference.Registry;
using Pipeline.Inference.Server;
using Pipeline.Inference.Tests.Quantization;
using Pipeline.Inference.Tests.Server;
using Pipeline.Onnx.Quantization;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Tests.Registry;

/// <summary>
/// A version with its encoder's int8 and fp16 variants: pulled in each precision through the CLI, and served in int8
/// (embeddings close to fp32's) while the server follows its alias in that precision.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PrecisionVariantTests : IDisposable
{
    private static readonly TestModel Spec = new(filters: 16, embeddingDim: 32, seed: 4);

    private readonly TempDirectory _temp = new();
    private readonly string _registryUri;
    private readonly ModelRegistry _registry;

    public PrecisionVariantTests()
    {
        _registryUri = "file:" + Path.Combine(_temp.Path, "registry");
        _registry = new ModelRegistry(ArtifactStoreUri.Open(_registryUri));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Pull_InEachPrecision_WritesThatEncoderVerified_AndListShowsThePrecisions()
    {
        string folder = Encoder(Spec, "run", ModelPrecision.Int8, ModelPrecision.Fp16);
        await PublishAsync(folder, "encoder.int8.onnx", "encoder.fp16.onnx");

        foreach ((string precision, string file) in new[] { ("fp32", "encoder.onnx"), ("int8", "encoder.int8.onnx"), ("fp16", "encoder.fp16.onnx") })
        {
            string output = Path.Combine(_temp.Path, "pulled", precision);
            (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "pull", "--registry", _registryUri,
                "--model", "encoders@champion", "--precision", precision, "--out", output);

            Assert.True(exit == 0, stderr);
            Assert.Contains($"pulled encoders@v1 (via encoders@champion), {precision} → {output}: ", stdout);
            Assert.Equal([file, "manifest.json"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, file)), File.ReadAllBytes(Path.Combine(output, file)));
            using EmbeddingModel pulled = EmbeddingModel.Load(Path.Combine(output, file));
            Assert.Equal(precision, pulled.Precision);
        }

        // Every file is checked as before: a variant damaged in the registry is refused and not written.
        string stored = Path.Combine(_temp.Path, "registry", "models", "encoders", "v1", "encoder.int8.onnx");
        byte[] damaged = File.ReadAllBytes(stored);
        damaged[^1] ^= 1;
        File.WriteAllBytes(stored, damaged);
        string again = Path.Combine(_temp.Path, "damaged");
        (int damagedExit, _, string damagedError) = await CliRunner.RunAsync(InferCommand.Create(), "pull", "--registry", _registryUri,
            "--model", "encoders@v1", "--precision", "int8", "--out", again);
        Assert.Equal(ExitCodes.Failure, damagedExit);
        Assert.Contains("encoder.int8.onnx", damagedError);
        Assert.False(File.Exists(Path.Combine(again, "encoder.int8.onnx")));

        (int listExit, string listed, string listError) = await CliRunner.RunAsync(InferCommand.Create(), "registry", "list", "encoders", "--registry", _registryUri);
        Assert.True(listExit == 0, listError);
        Assert.Contains("  run test  fp32+int8+fp16  ", listed);
    }

    [Fact]
    public async Task Pull_OrServe_InAPrecisionTheVersionLacks_ExitsTwoNamingThoseItHas_AndWritesNothing()
    {
        await PublishAsync(Encoder(Spec, "run", ModelPrecision.Int8), "encoder.int8.onnx");
        string output = Path.Combine(_temp.Path, "pulled");
        string cache = Path.Combine(_temp.Path, "cache");

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "pull", "--registry", _registryUri,
            "--model", "encoders", "--precision", "fp16", "--out", output);
        (int serveExit, _, string serveError) = await CliRunner.RunAsync(InferCommand.Create(), "serve", "--registry", _registryUri,
            "--model", "registry:encoders@champion", "--precision", "fp16", "--cache", cache);
        (int badExit, _, string badError) = await CliRunner.RunAsync(InferCommand.Create(), "pull", "--registry", _registryUri,
            "--model", "encoders", "--precision", "int4", "--out", output);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("", stdout);
        Assert.Equal("error: --precision fp16: encoders@v1 has no fp16 variant; its precisions: fp32, int8. Nothing was pulled.", stderr.Trim());
        Assert.Equal(ExitCodes.Usage, serveExit);
        Assert.Contains("--precision fp16: encoders@v1 has no fp16 variant; its precisions: fp32, int8.", serveError);
        Assert.Equal(ExitCodes.Usage, badExit);
        Assert.Contains("int4", badError);
        Assert.False(Directory.Exists(output));
        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public async Task ServingInt8FromTheRegistry_EmbedsCloseToFp32_SaysItsPrecision_AndFollowsTheAliasInInt8()
    {
        string first = Encoder(Spec, "v1", ModelPrecision.Int8);
        await PublishAsync(first, "encoder.int8.onnx");
        var cache = new RegistryModelCache(_registry, Path.Combine(_temp.Path, "cache"));
        var alias = ModelReference.Parse("encoders@champion");
        string? etag = await _registry.GetAliasETagAsync("encoders", "champion");
        CachedModel start = await cache.GetAsync(alias, "int8");
        Assert.Equal(Path.Combine(cache.Directory, "encoders", "v1", "int8", "encoder.int8.onnx"), start.Path);

        await using RunningServer running = await RunningServer.StartAsync(Spec, options => options with
        {
            ModelPath = start.Path,
            ModelName = "encoders",
            Model = options.Model with { ExpectedSha256 = start.Sha256 },
            Registry = new RegistryFollowOptions(cache, alias, start.Version, etag, TimeSpan.FromMilliseconds(100)) { Precision = start.Precision },
        });

        using (JsonDocument models = JsonDocument.Parse(await running.Client.GetStringAsync("/v1/models")))
        {
            Assert.Equal("int8", models.RootElement.GetProperty("data")[0].GetProperty("precision").GetString());
        }
        float[] pixels = Spec.RandomPixels(32, seed: 11);
        using HttpResponseMessage response = await running.PostRawAsync(pixels);
        float[] served = await RunningServer.ReadFloatsAsync(response);
        using EmbeddingModel fp32 = EmbeddingModel.Load(Path.Combine(first, "encoder.onnx"));
        float[] reference = fp32.Embed(pixels);
        double[] cosines = Enumerable.Range(0, 32)
            .Select(i => (double)TensorPrimitives.CosineSimilarity(served.AsSpan(i * 32, 32), reference.AsSpan(i * 32, 32))).ToArray();
        Assert.True(cosines.Average() >= 0.99 && cosines.Min() >= 0.95, $"cosine mean {cosines.Average()}, smallest {cosines.Min()}");
        Assert.NotEqual(reference, served); // int8 really runs: its embeddings are close, not the same

        // A new champion is pulled in int8, as the server started; one without an int8 variant is not served.
        string second = Encoder(new TestModel(filters: 16, embeddingDim: 32, seed: 5), "v2", ModelPrecision.Int8);
        await PublishAsync(second, "encoder.int8.onnx");
        await RegistryFollowTests.WaitForAsync(() => Task.FromResult(
            running.Server.Model.Current.Source == Path.Combine(cache.Directory, "encoders", "v2", "int8", "encoder.int8.onnx")),
            "v2's int8 variant was never served");
        Assert.Equal("int8", running.Server.Model.Current.Precision);
        await PublishAsync(Encoder(new TestModel(filters: 16, embeddingDim: 32, seed: 6), "v3"));
        await Task.Delay(500);
        Assert.Equal(Path.Combine(cache.Directory, "encoders", "v2", "int8", "encoder.int8.onnx"), running.Server.Model.Current.Source);
        Assert.False(Directory.Exists(Path.Combine(cache.Directory, "encoders", "v3")));
    }

    [Fact]
    public async Task Publish_OfAVariantMadeFromAnotherEncoder_IsRefused_AndNothingIsPublished()
    {
        string folder = Encoder(Spec, "run", ModelPrecision.Int8);
        string other = Encoder(new TestModel(filters: 16, embeddingDim: 32, seed: 7), "other", ModelPrecision.Int8);
        File.Copy(Path.Combine(other, "encoder.int8.onnx"), Path.Combine(folder, "encoder.int8.onnx"), overwrite: true);

        var refused = await Assert.ThrowsAsync<VariantSourceMismatchException>(() => PublishAsync(folder, "encoder.int8.onnx"));

        Assert.Contains("encoder.int8.onnx (int8) was made from a file with SHA-256", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "registry", "models")));
    }

    [Fact]
    public async Task Embed_WithAPrecision_UsesTheVariantBesideTheModelFile_OrExitsTwoWhenThereIsNone()
    {
        string folder = Encoder(Spec, "run", ModelPrecision.Int8);
        string image = _temp.File("image.png");
        File.WriteAllBytes(image, TestImages.Png(8, 8));
        string output = _temp.File("out/int8.jsonl");

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", Path.Combine(folder, "encoder.onnx"),
            "--precision", "int8", "--input", image, "--out", output);
        (int missingExit, _, string missingError) = await CliRunner.RunAsync(InferCommand.Create(), "embed", "--model", Path.Combine(folder, "encoder.onnx"),
            "--precision", "fp16", "--input", image, "--out", _temp.File("out/fp16.jsonl"));

        Assert.True(exit == 0, stderr);
        using EmbeddingModel int8 = EmbeddingModel.Load(Path.Combine(folder, "encoder.int8.onnx"));
        float[] expected = int8.EmbedImages([File.ReadAllBytes(image)]);
        using EmbeddingModel fp32 = EmbeddingModel.Load(Path.Combine(folder, "encoder.onnx"));
        Assert.NotEqual(fp32.EmbedImages([File.ReadAllBytes(image)]), expected);
        using JsonDocument row = JsonDocument.Parse(File.ReadAllLines(output).Single());
        Assert.Equal(expected, row.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(ExitCodes.Usage, missingExit);
        Assert.Contains("--precision fp16 with --model", missingError);
        Assert.Contains("has no fp16 variant beside it", missingError);
        Assert.False(File.Exists(_temp.File("out/fp16.jsonl")));
    }

    // A folder with the spec's encoder.onnx and its variants, made by the quantizer as quantize makes them.
    private string Encoder(TestModel spec, string name, params ModelPrecision[] precisions)
    {
        string encoder = spec.Write(_temp.File($"{name}/encoder.onnx"));
        foreach (ModelPrecision precision in precisions)
        {
            ModelQuantizer.Quantize(encoder, ModelQuantizerTests.RandomImages(400, 8),
                new QuantizationOptions { Precision = precision, CalibrationImages = 100, ProofImages = 300 },
                Path.Combine(Path.GetDirectoryName(encoder)!, PrecisionMetadata.FileNameOf("encoder.onnx", precision)));
        }
        return Path.GetDirectoryName(encoder)!;
    }

    // Publishes a folder's encoder.onnx and the variants named, as pipeline-train publish --variant does, as latest and champion.
    private Task<PublishedModel> PublishAsync(string folder, params string[] variants) => _registry.PublishAsync(new PublishRequest
    {
        Name = "encoders",
        Files = [new PublishFile("encoder.onnx", Path.Combine(folder, "encoder.onnx")), .. variants.Select(v => new PublishFile(v, Path.Combine(folder, v)))],
        Variants = variants.Select(v => PrecisionMetadata.Read(Path.Combine(folder, v))!)
            .Select(metadata => new FileVariant(PrecisionMetadata.FileNameOf("encoder.onnx", metadata.Precision), "encoder.onnx",
                PrecisionMetadata.NameOf(metadata.Precision), metadata.SourceSha256))
            .ToArray(),
        Lineage = new ModelLineage("test", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
        Aliases = [ModelNames.Latest, ModelNames.Champion],
    });
}
