using Pipeline.Cli;
using Pipeline.Data.Tests;
using Pipeline.Inference.Cli;
using Pipeline.Inference.Tests.Quantization;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _output;

    public QuantizeCommandTests()
    {
        _output = Path.Combine(_temp.Path, "variants", "encoder.int8.onnx");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Int8_WritesAProvenVariant_AndSaysItsSizeAndAgreement()
    {
        (int exit, string stdout, string stderr) = await Quantize("--precision", "int8", "--calibration-size", "128", "--proof-size", "200",
            "--calibration-method", "minmax");

        Assert.True(exit == 0, stderr);
        Assert.Contains("int8 variant of", stdout);
        Assert.Contains("smaller than 2.2 MiB. On 200 held-out images of fashion-mnist:test: cosine mean 0.99", stdout);
        Assert.Contains("calibrated on 128 images (minmax)", stdout);
        var metadata = PrecisionMetadata.FromProperties(OnnxModelFile.Read(_output).MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value));
        Assert.Equal(new CalibrationSummary("fashion-mnist:test", 128, CalibrationMethod.MinMax, null), metadata?.Calibration);
    }

    [Theory]
    [InlineData("--precision int4", "int4")]
    [InlineData("--precision int8 --calibration-size 0", "--calibration-size must be a positive whole number, not '0'")]
    [InlineData("--precision int8 --calibration-percentile 40", "--calibration-percentile must be a number above 50 and at most 100, not '40'")]
    [InlineData("--precision int8 --calibration-method entropy", "entropy")]
    [InlineData("--precision int8 --proof-size 10", "--proof-size must be above 10, not 10")]
    [InlineData("--precision int8 --calibration-size 9500 --proof-size 1000",
        "--calibration fashion-mnist:test has 10000 images, fewer than the 10500 needed: --calibration-size 9500 and --proof-size 1000")]
    [InlineData("--precision fp16 --calibration-method minmax", "--calibration-method applies to --precision int8 only")]
    public async Task BadOptions_ExitTwoWithOneLineNamingThem_AndWriteNothing(string options, string message)
    {
        (int exit, _, string stderr) = await Quantize(options.Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(Path.GetDirectoryName(_output)) && Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_output)!).Any());
    }

    [Fact]
    public async Task TheModelItselfAsOutput_IsAUsageError()
    {
        string copy = _temp.File("encoder.onnx");
        File.Copy(ModelQuantizerTests.ReferenceEncoder, copy);
        byte[] before = File.ReadAllBytes(copy);

        (int exit, _, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "quantize", "--model", copy, "--precision", "fp16",
            "--calibration", "fashion-mnist:test", "--out", copy);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("is the model itself", stderr);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public async Task AVariantThatFallsShort_ExitsFive_AndWritesNothing()
    {
        // Keeping only the middle 80% of each activation's values clips far too much.
        (int exit, string stdout, string stderr) = await Quantize("--precision", "int8", "--calibration-size", "64", "--proof-size", "100",
            "--calibration-percentile", "90");

        Assert.Equal(ExitCodes.ParityFailed, exit);
        Assert.Contains("does not follow it closely enough on 100 held-out images of fashion-mnist:test: mean cosine", stderr);
        Assert.Contains("was not written", stderr);
        Assert.Empty(stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_output)!));
    }

    private Task<(int Exit, string Stdout, string Stderr)> Quantize(params string[] options) =>
        CliRunner.RunAsync(InferCommand.Create(),
            ["quantize", "--model", ModelQuantizerTests.ReferenceEncoder, "--calibration", "fashion-mnist:test", "--out", _output, .. options]);
}
