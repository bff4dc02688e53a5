using System.Diagnostics;
using System.Runtime.InteropServices;
using Pipeline.Tests;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Export;

/// <summary>Clients outside .NET accept the exported file: Debian's onnx checker and onnxruntime-node.</summary>
[Collection(TorchCollection.Name)]
public sealed class OutsideClientTests(ITestOutputHelper output)
{
    // Debian's python3-onnx lives in the system interpreter; a `python3` earlier on the PATH may lack it.
    private const string SystemPython = "/usr/bin/python3";

    private const string CheckScript = """
        import sys, onnx
        model = onnx.load(sys.argv[1])
        onnx.checker.check_model(model, full_check=True)
        print("opset", model.opset_import[0].version)
        for entry in model.metadata_props:
            print(entry.key)
        """;

    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void DebianOnnxChecker_FullCheck_AcceptsTheExportedModel(string architecture)
    {
        using var folder = new TempDirectory();
        string model = ExportRandom(architecture, folder, 2);

        (int exitCode, string stdout, string stderr) = Run(SystemPython, "-c", CheckScript, model);

        Assert.True(exitCode == 0, $"onnx.checker rejected the model: {stderr}");
        Assert.Contains("opset 17", stdout);
        Assert.Contains("pipeline.embedding_dim", stdout);
    }

    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void OnnxRuntimeNode_GivesTheSameEmbeddingsAsTorchSharp_Within1e4(string architecture)
    {
        string script = Path.Combine(NodeClientFolder(), "embed.mjs");
        using var folder = new TempDirectory();
        const int batch = 7;
        using Encoder encoder = ExportFixtures.RandomEncoder(architecture);
        using Tensor pixels = ExportFixtures.Pixels(batch);
        string model = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx")).Path;
        float[] expected;
        using (no_grad())
        using (Tensor embeddings = encoder.forward(pixels))
        {
            expected = embeddings.data<float>().ToArray();
        }
        string input = folder.File("pixels.f32");
        string result = folder.File("embeddings.f32");
        File.WriteAllBytes(input, MemoryMarshal.AsBytes(pixels.data<float>().ToArray().AsSpan()).ToArray());

        (int exitCode, string stdout, string stderr) = Run("node", script, model, input, batch.ToString(), "1", "28", "28", result);

        Assert.True(exitCode == 0, $"onnxruntime-node failed: {stderr}");
        Assert.Contains($"[{batch},{ExportFixtures.SmallDim(architecture)}]", stdout);
        float[] actual = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(result)).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        output.WriteLine($"{architecture}: max |onnxruntime-node − TorchSharp| = {largest:G3}");
        Assert.InRange(largest, 0, 1e-4);
    }

    private static string ExportRandom(string architecture, TempDirectory folder, int batch)
    {
        using Encoder encoder = ExportFixtures.RandomEncoder(architecture);
        using Tensor pixels = ExportFixtures.Pixels(batch);
        return EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx")).Path;
    }

    /// <summary>tests/node with onnxruntime-node installed (`npm ci` there; .ci/run and make setup do it).</summary>
    private static string NodeClientFolder()
    {
        string folder = RepositoryRoot.Combine("tests", "node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "onnxruntime-node")),
            $"onnxruntime-node is not installed: run `npm ci --ignore-scripts` in {folder} (make setup and .ci/run do).");
        return folder;
    }

    private static (int ExitCode, string Output, string Error) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} ran over 2 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
