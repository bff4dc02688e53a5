using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Inference.Quantization;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Tests.Quantization;

/// <summary>A quantisation as a library call: the shipped reference encoder and Fashion-MNIST's test images, no command line.</summary>
public sealed class QuantizationJobTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private QuantizationJobOptions Options(ModelPrecision precision) => new()
    {
        Model = ModelQuantizerTests.ReferenceEncoder,
        Precision = precision,
        Calibration = DatasetUri.Parse("fashion-mnist:test"),
        ProofImages = 200,
        Output = Path.Combine(_temp.Path, "variants", "encoder.variant.onnx"),
    };

    [Fact]
    public void Run_Fp16_CreatesTheOutputsFolder_AndWritesAProvenVariant()
    {
        QuantizationJobOptions options = Options(ModelPrecision.Fp16);

        QuantizationResult result = new QuantizationJob().Run(options);

        Assert.Equal(Path.GetFullPath(options.Output), result.Path);
        Assert.True(File.Exists(options.Output));
        Assert.Equal((ModelPrecision.Fp16, 200, "fashion-mnist:test"), (result.Metadata.Precision, result.Metadata.Proof.Images, result.Metadata.Proof.Data));
        Assert.Null(result.Metadata.Calibration);
    }

    [Fact]
    public void Resolve_TakesTheGivenSettings_AndTheDefaultsForTheOthers()
    {
        QuantizationOptions given = (Options(ModelPrecision.Int8) with { CalibrationImages = 64, Percentile = 99.9 }).Resolve();

        Assert.Equal((ModelPrecision.Int8, 64, 99.9, 200), (given.Precision, given.CalibrationImages, given.Percentile, given.ProofImages));
        Assert.Equal(QuantizationJobOptions.Defaults.CalibrationMethod, given.CalibrationMethod);
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { "calibration-size", "applies to precision int8 only: float16 calibrates nothing (its calibration images only prove it)." },
        { "proof-size", "must be above 10, not 10" },
        { "out", "is the model itself" },
        { "calibration", "has 10000 images, fewer than the 10500 needed: calibration-size 9500 and proof-size 1000" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Run_WithABadSetting_NamesTheSettingAndNoOption_AndWritesNothing(string setting, string message)
    {
        QuantizationJobOptions options = setting switch
        {
            "calibration-size" => Options(ModelPrecision.Fp16) with { CalibrationImages = 64 },
            "proof-size" => Options(ModelPrecision.Int8) with { ProofImages = 10 },
            "out" => Options(ModelPrecision.Fp16) with { Output = ModelQuantizerTests.ReferenceEncoder },
            _ => Options(ModelPrecision.Int8) with { CalibrationImages = 9500, ProofImages = 1000 },
        };
        long before = new FileInfo(ModelQuantizerTests.ReferenceEncoder).Length;

        var error = Assert.Throws<InvalidSettingException>(() => new QuantizationJob().Run(options));

        Assert.Equal(setting, error.Setting);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("--", error.Message);
        Assert.Equal(before, new FileInfo(ModelQuantizerTests.ReferenceEncoder).Length);
        Assert.False(setting != "out" && File.Exists(options.Output));
    }
}
