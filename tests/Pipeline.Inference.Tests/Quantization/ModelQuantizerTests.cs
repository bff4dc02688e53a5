using Onnx;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Inference.Quantization;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Tests.Quantization;

public sealed class ModelQuantizerTests : IDisposable
{
    private static readonly Lazy<ImageSet> TestImages = new(() => DatasetLoader.Load("fashion-mnist:test"));
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The shipped reference encoder: a trained convnet6 (D = 256) on Fashion-MNIST.</summary>
    public static string ReferenceEncoder => RepositoryRoot.Combine("models", "fashion-mnist-simclr-convnet6", "encoder.onnx");

    [Fact]
    public void Int8_OfTheReferenceEncoder_FollowsItOnHeldOutImages_KeepsItsMetadata_AndIsAQuarterOfItsSize()
    {
        string output = _temp.File("encoder.int8.onnx");

        QuantizationResult result = ModelQuantizer.Quantize(ReferenceEncoder, TestImages.Value,
            new QuantizationOptions { Precision = ModelPrecision.Int8, CalibrationImages = 256, ProofImages = 300 }, output);

        PrecisionProof proof = result.Metadata.Proof;
        Assert.Equal(300, proof.Images);
        Assert.True(proof.MeanCosine > 0.999 && proof.MinCosine > 0.99 && proof.NeighbourAgreement > 0.9, proof.ToString());
        Assert.Equal(new CalibrationSummary("fashion-mnist:test", 256, CalibrationMethod.Percentile, 99.99), result.Metadata.Calibration);
        Assert.True(result.Bytes * 3.5 < result.SourceBytes, $"{result.Bytes} bytes against {result.SourceBytes}");
        AssertVariantOf(ReferenceEncoder, output, ModelPrecision.Int8);
        OutsideClient.CheckModel(output);
    }

    [Fact]
    public void Fp16_OfTheReferenceEncoder_FollowsItAlmostExactly_AndIsHalfItsSize()
    {
        string output = _temp.File("encoder.fp16.onnx");

        QuantizationResult result = ModelQuantizer.Quantize(ReferenceEncoder, TestImages.Value,
            new QuantizationOptions { Precision = ModelPrecision.Fp16, ProofImages = 200 }, output);

        PrecisionProof proof = result.Metadata.Proof;
        Assert.True(proof.MeanCosine > 0.99999 && proof.MinCosine > 0.9999 && proof.NeighbourAgreement > 0.98, proof.ToString());
        Assert.Null(result.Metadata.Calibration);
        Assert.InRange((double)result.Bytes / result.SourceBytes, 0.45, 0.55);
        AssertVariantOf(ReferenceEncoder, output, ModelPrecision.Fp16);
        OutsideClient.CheckModel(output);
    }

    [Theory]
    [InlineData(ModelPrecision.Int8)]
    [InlineData(ModelPrecision.Fp16)]
    public void ARandomEncoder_WithAGemmOutput_IsQuantizedWithinTheDefaultLimits(ModelPrecision precision)
    {
        var spec = new TestModel(channels: 1, height: 8, width: 8, filters: 16, embeddingDim: 32, seed: 4);
        string source = spec.Write(_temp.File("encoder.onnx"));
        string output = _temp.File("variant.onnx");

        QuantizationResult result = ModelQuantizer.Quantize(source, RandomImages(400, 8), new QuantizationOptions
        {
            Precision = precision,
            CalibrationImages = 100,
            ProofImages = 300,
        }, output);

        Assert.Empty(PrecisionLimits.For(precision).Shortfalls(result.Metadata.Proof));
        using EmbeddingModel variant = EmbeddingModel.Load(output);
        Assert.Equal(32, variant.EmbedBytes(RandomImages(3, 9).Pixels).Length / 3);
    }

    [Fact]
    public void AProofThatFallsShort_ThrowsWithTheFigures_AndWritesNothing()
    {
        string folder = Path.Combine(_temp.Path, "out");
        Directory.CreateDirectory(folder);
        string output = Path.Combine(folder, "encoder.int8.onnx");

        var error = Assert.Throws<PrecisionProofException>(() => ModelQuantizer.Quantize(ReferenceEncoder, TestImages.Value, new QuantizationOptions
        {
            Precision = ModelPrecision.Int8,
            CalibrationImages = 64,
            ProofImages = 100,
            // No variant reaches a cosine above 1.
            Limits = new PrecisionLimits(MinMeanCosine: 1.5, MinCosine: 0, MinNeighbourAgreement: 0),
        }, output));

        Assert.Contains("mean cosine 0.99", error.Message);
        Assert.Contains("< 1.5", error.Message);
        Assert.Equal(100, error.Proof.Images);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void AVariant_IsNotMadeIntoAnotherVariant()
    {
        string int8 = _temp.File("encoder.int8.onnx");
        var options = new QuantizationOptions { Precision = ModelPrecision.Int8, CalibrationImages = 64, ProofImages = 100 };
        ModelQuantizer.Quantize(ReferenceEncoder, TestImages.Value, options, int8);

        var error = Assert.Throws<InvalidDataException>(() => ModelQuantizer.Quantize(int8, TestImages.Value,
            options with { Precision = ModelPrecision.Fp16 }, _temp.File("again.onnx")));
        Assert.Contains("is already an int8 variant", error.Message);
        Assert.False(File.Exists(_temp.File("again.onnx")));
    }

    [Fact]
    public void TooFewImages_AreRefusedSayingHowManyAreNeeded()
    {
        var error = Assert.Throws<InvalidSettingException>(() => ModelQuantizer.Quantize(ReferenceEncoder, TestImages.Value.Take(500),
            new QuantizationOptions { Precision = ModelPrecision.Int8 }, _temp.File("encoder.int8.onnx")));

        Assert.Contains("has 500 images; the int8 variant needs 2024 (1024 to calibrate on and 1000 held out for the proof)", error.Message);
    }

    // The variant keeps the contract and every pipeline.* key of its source, and adds the precision keys.
    private static void AssertVariantOf(string source, string variant, ModelPrecision precision)
    {
        using EmbeddingModel reference = EmbeddingModel.Load(source);
        using EmbeddingModel model = EmbeddingModel.Load(variant);
        Assert.Equal(reference.Metadata, model.Metadata with { Metrics = reference.Metadata.Metrics, Mean = reference.Metadata.Mean, Std = reference.Metadata.Std });
        Assert.Equal(reference.Metadata.Metrics, model.Metadata.Metrics);
        Dictionary<string, string> sourceKeys = Properties(source), variantKeys = Properties(variant);
        Assert.All(sourceKeys, entry => Assert.Equal(entry.Value, variantKeys[entry.Key]));
        PrecisionMetadata? metadata = PrecisionMetadata.FromProperties(variantKeys);
        Assert.NotNull(metadata);
        Assert.Equal(precision, metadata.Precision);
        Assert.Equal(reference.Sha256, metadata.SourceSha256);
        Assert.Equal(PrecisionMetadata.NameOf(precision), variantKeys[PrecisionMetadata.PrecisionKey]);
    }

    private static Dictionary<string, string> Properties(string path) =>
        OnnxModelFile.Read(path).MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value);

    /// <summary>Random 1x8x8 images, the input of a <see cref="TestModel"/>'s default shape.</summary>
    internal static ImageSet RandomImages(int count, int seed)
    {
        byte[] pixels = new byte[count * 64];
        new Random(seed).NextBytes(pixels);
        return new ImageSet("random", pixels, count, 1, 8, 8, null, []);
    }
}
