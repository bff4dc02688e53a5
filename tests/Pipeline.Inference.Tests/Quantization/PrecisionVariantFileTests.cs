using Pipeline.Data.Tests;
using Pipeline.Inference.Quantization;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Tests.Quantization;

/// <summary>A model file's precision variant beside it: found when it was made from that file, refused otherwise.</summary>
public sealed class PrecisionVariantFileTests : IDisposable
{
    private static readonly QuantizationOptions Int8 = new() { Precision = ModelPrecision.Int8, CalibrationImages = 100, ProofImages = 300 };

    private readonly TempDirectory _temp = new();
    private readonly string _encoder;
    private readonly string _int8;

    public PrecisionVariantFileTests()
    {
        _encoder = new TestModel(filters: 16, embeddingDim: 32, seed: 4).Write(_temp.File("model/encoder.onnx"));
        _int8 = _temp.File("model/encoder.int8.onnx");
        ModelQuantizer.Quantize(_encoder, ModelQuantizerTests.RandomImages(400, 8), Int8, _int8);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheVariantBesideTheModel_IsFound_AndAFileIsItsOwnPrecision()
    {
        Assert.Equal(_int8, PrecisionVariantFile.Locate(_encoder, "int8"));
        Assert.Equal(_encoder, PrecisionVariantFile.Locate(_encoder, "fp32"));
        Assert.Equal(_int8, PrecisionVariantFile.Locate(_int8, "int8"));
    }

    [Fact]
    public void AMissingVariant_IsRefusedNamingThePrecisionsThere()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => PrecisionVariantFile.Locate(_encoder, "fp16"));

        Assert.Contains("encoder.onnx has no fp16 variant beside it", missing.Message);
        Assert.Contains("its precisions there: fp32, int8.", missing.Message);
    }

    [Fact]
    public void AVariantMadeFromAnotherModel_OrAnotherPrecisionOfAVariant_IsRefused()
    {
        string other = new TestModel(filters: 16, embeddingDim: 32, seed: 5).Write(_temp.File("other/encoder.onnx"));
        ModelQuantizer.Quantize(other, ModelQuantizerTests.RandomImages(400, 8), Int8, _temp.File("other/encoder.int8.onnx"));
        File.Copy(_temp.File("other/encoder.int8.onnx"), _int8, overwrite: true);

        var stale = Assert.Throws<InvalidDataException>(() => PrecisionVariantFile.Locate(_encoder, "int8"));
        var ofVariant = Assert.Throws<InvalidDataException>(() => PrecisionVariantFile.Locate(_int8, "fp32"));

        Assert.Contains("encoder.int8.onnx was made from the model with SHA-256", stale.Message);
        Assert.Contains("make it again from this model", stale.Message);
        Assert.Contains("is the int8 variant of the model with SHA-256", ofVariant.Message);
    }
}
