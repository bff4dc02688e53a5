using System.Security.Cryptography;
using Pipeline.Onnx;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Cli;

namespace Pipeline.Training.Tests.Export;

[Collection(TorchCollection.Name)]
public sealed class ExportCommandTests
{
    /// <summary>pretrain options for a run of a few seconds: 64 images, one epoch, small widths.</summary>
    internal static readonly string[] Tiny =
        ["--limit", "64", "--batch-size", "32", "--epochs", "1", "--embedding-dim", "32", "--projection-dim", "16", "--threads", "2", "--device", "cpu"];

    [Fact]
    public void Pretrain_ExportsTheEncoderAtTheEnd_AndExportAfterEvaluateStoresTheFigures()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, string trainOutput, string trainError) = CliProcess.Run(["pretrain", "--out", run, .. Tiny]);
        Assert.True(trained == 0, trainError);
        Assert.Contains("parity max |ONNX − TorchSharp|", trainOutput);
        Assert.Empty(EmbeddingModelMetadata.Read(Path.Combine(run, "encoder.onnx")).Metrics);

        (int evaluated, _, string evaluateError) = CliProcess.Run(
            "evaluate", "--run", run, "--protocol", "knn", "--labels", "100", "--train-data", "fashion-mnist:test", "--threads", "2");
        Assert.True(evaluated == 0, evaluateError);
        string exported = folder.File("out/model.onnx");
        (int exitCode, string output, string error) = CliProcess.Run("export", "--run", run, "--out", exported, "--threads", "2");

        Assert.True(exitCode == 0, error);
        Assert.Contains(exported, output);
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(exported);
        string checkpoint = new RunDirectory(run).LatestCheckpoint();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(checkpoint))), metadata.CheckpointSha256);
        Assert.Equal(Path.GetFileName(checkpoint), metadata.SourceCheckpoint);
        Assert.Equal(Path.GetFullPath(run), metadata.SourceRun);
        Assert.Equal("fashion-mnist:train", metadata.Dataset);
        Assert.InRange(metadata.Metrics["knn-100"], 0.2, 1.0);
        Assert.InRange(metadata.ParityMaxAbsDiff, 0, 1e-4);
    }

    [Theory]
    [InlineData("export --run /no/such/run", "not a run folder")]
    [InlineData("export --out x.onnx", "--run")]
    [InlineData("export --run /no/such/run --projection-layers -1", "--projection-layers must be 0 or a positive whole number")]
    public void Export_WrongArguments_ExitWithAMessage(string commandLine, string expected)
    {
        (int exitCode, string output, string error) = CliProcess.Run(commandLine.Split(' '));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output + error);
        Assert.DoesNotContain("   at ", error);
    }
}
