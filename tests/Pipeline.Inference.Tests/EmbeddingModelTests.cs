using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Onnx;
using SkiaSharp;

namespace Pipeline.Inference.Tests;

public sealed class EmbeddingModelTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestModel _spec = new(channels: 3, height: 6, width: 5);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_ReadsTheContractFromTheFile()
    {
        string path = _spec.Write(_temp.File("encoder.onnx"));

        using EmbeddingModel model = EmbeddingModel.Load(path);

        Assert.Equal(new ImageShape(3, 6, 5), model.InputShape);
        Assert.Equal(5, model.EmbeddingDim);
        Assert.Equal(_spec.Metadata.ToProperties(), model.Metadata.ToProperties());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), model.Sha256);
        Assert.Equal(ExecutionProvider.Cpu, model.ExecutionProvider);
    }

    [Fact]
    public void Embed_MatchesAPlainForwardPassOfTheGraph()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
        float[] pixels = _spec.RandomPixels(4, seed: 7);

        float[] embeddings = model.Embed(pixels);

        float[] expected = _spec.Forward(pixels);
        Assert.Equal(expected.Length, embeddings.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - embeddings[i]) < 1e-4, $"value {i}: {embeddings[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Embed_BatchGivesTheEmbeddingsOfSingleCalls()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
        float[] pixels = _spec.RandomPixels(5, seed: 3);

        float[] batch = model.Embed(pixels);

        for (int n = 0; n < 5; n++)
        {
            float[] single = model.Embed(pixels.AsMemory(n * _spec.ImageSize, _spec.ImageSize));
            Assert.Equal(single, batch.AsSpan(n * 5, 5).ToArray());
        }
    }

    [Fact]
    public void Embed_FromManyThreadsAtOnce_GivesTheSequentialResults()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
        float[][] inputs = Enumerable.Range(0, 16).Select(i => _spec.RandomPixels(1 + i % 3, seed: i)).ToArray();
        float[][] sequential = inputs.Select(input => model.Embed(input)).ToArray();

        float[][] parallel = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = model.Embed(inputs[i]));

        Assert.Equal(sequential, parallel);
    }

    [Theory]
    [InlineData(float.NaN, "non_finite_value")]
    [InlineData(float.PositiveInfinity, "non_finite_value")]
    [InlineData(-0.01f, "value_out_of_range")]
    [InlineData(255f, "value_out_of_range")]
    public void Embed_BadValue_IsRefusedNamingItsPosition(float bad, string code)
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
        float[] pixels = _spec.RandomPixels(2, seed: 1);
        pixels[_spec.ImageSize + 4] = bad;

        var error = Assert.Throws<InvalidInputException>(() => model.Embed(pixels));

        Assert.Equal(code, error.Code);
        Assert.Contains($"Value {_spec.ImageSize + 4} (image 1)", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(89)]
    [InlineData(91)]
    public void Embed_NotAWholeNumberOfImages_IsRefusedWithTheExpectedLayout(int length)
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));

        var error = Assert.Throws<InvalidInputException>(() => model.Embed(new float[length]));

        Assert.Equal("wrong_size", error.Code);
        Assert.Contains("[N, 3, 6, 5]", error.Message);
    }

    [Fact]
    public void EmbedImages_PngBytes_EmbedLikeTheirDecodedPixels()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
        byte[] png = TestImages.Png(20, 12, (x, y) => new SKColor((byte)(x * 12), (byte)(y * 20), 90));

        float[] embedding = model.EmbedImages([png]);

        float[] pixels = ImageDecoder.Decode(png, model.InputShape, "png").Select(b => b / 255f).ToArray();
        Assert.Equal(model.Embed(pixels), embedding);
    }

    [Fact]
    public void EmbedImages_NotAnImage_IsRefusedNamingIt()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));

        var error = Assert.Throws<InvalidInputException>(() => model.EmbedImages([TestImages.Png(4, 4), "not an image"u8.ToArray()], ["a.png", "b.png"]));

        Assert.Equal("invalid_image", error.Code);
        Assert.StartsWith("b.png does not decode", error.Message);
    }

    [Fact]
    public void EmbedImages_LargerThanTheLimits_IsRefusedBeforeDecoding()
    {
        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));

        var error = Assert.Throws<InvalidInputException>(() => model.EmbedImages([TestImages.Png(65, 10)], limits: new ImageLimits(64, 64)));

        Assert.Equal("image_too_large", error.Code);
        Assert.Contains("65x10", error.Message);
    }

    [Fact]
    public void Load_MissingFile_SaysWhatToGive()
    {
        var error = Assert.Throws<FileNotFoundException>(() => EmbeddingModel.Load(_temp.File("absent.onnx")));

        Assert.Contains("pipeline-train export", error.Message);
    }

    [Fact]
    public void Load_NotOnnx_SaysItDoesNotLoad()
    {
        string path = _temp.File("encoder.onnx");
        File.WriteAllText(path, "not a model");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModel.Load(path));

        Assert.StartsWith($"{path} does not load in ONNX Runtime", error.Message);
    }

    [Fact]
    public void Load_WithoutPipelineMetadata_NamesTheMissingKey()
    {
        string path = _spec.Write(_temp.File("encoder.onnx"), withMetadata: false);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModel.Load(path));

        Assert.Contains("pipeline.format_version", error.Message);
    }

    [Fact]
    public void Load_GraphThatDisagreesWithItsMetadata_IsRefused()
    {
        var model = new TestModel(channels: 1, embeddingDim: 4).Build();
        (new TestModel(channels: 1, embeddingDim: 7).Metadata).WriteTo(model);
        string path = _temp.File("encoder.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModel.Load(path));

        Assert.Contains("output 'embedding'", error.Message);
        Assert.Contains("[N, 7]", error.Message);
    }

    [Fact]
    public void Load_WrongExpectedHash_IsRefusedBeforeLoading()
    {
        string path = _spec.Write(_temp.File("encoder.onnx"));

        var error = Assert.Throws<InvalidDataException>(
            () => EmbeddingModel.Load(path, new EmbeddingModelOptions { ExpectedSha256 = new string('0', 64) }));

        Assert.Contains("not the expected 0000", error.Message);
    }

    [Fact]
    public void Load_CudaOnTheCpuBuild_IsRefusedSayingWhy()
    {
        string path = _spec.Write(_temp.File("encoder.onnx"));

        var error = Assert.Throws<InvalidSettingException>(
            () => EmbeddingModel.Load(path, new EmbeddingModelOptions { ExecutionProvider = ExecutionProvider.Cuda }));

        Assert.Contains("CPU package", error.Message);
    }

    [Fact]
    public void Load_Auto_FallsBackToCpuWithOneLogLine()
    {
        var logger = new RecordingLogger();

        using EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")), logger: logger);

        Assert.Equal(ExecutionProvider.Cpu, model.ExecutionProvider);
        string line = Assert.Single(logger.Messages);
        Assert.Contains("on CPU, not CUDA", line);
    }

    [Fact]
    public void WarmUp_ModelThatGivesNaN_IsRefused()
    {
        using EmbeddingModel model = EmbeddingModel.Load(new TestModel(nanWeights: true).Write(_temp.File("encoder.onnx")));

        var error = Assert.Throws<InvalidDataException>(() => model.WarmUp());

        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public async Task Dispose_WhileThreadsEmbed_LetsEachCallEitherFinishOrBeRefused()
    {
        var big = new TestModel(channels: 3, height: 32, width: 32, filters: 16);
        EmbeddingModel model = EmbeddingModel.Load(big.Write(_temp.File("encoder.onnx")));
        float[] pixels = big.RandomPixels(8, seed: 1);

        await ConcurrentDispose.CheckAsync(model, () => model.Embed(pixels));
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndCallsAfterAreRefused()
    {
        EmbeddingModel model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));

        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Embed(_spec.RandomPixels(1, seed: 1)));
    }
}
