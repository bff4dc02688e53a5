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
    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void DebianOnnxChecker_FullCheck_AcceptsTheExportedModel(string architecture)
    {
        using var folder = new TempDirectory();
        string model = ExportRandom(architecture, folder, 2);

        string stdout = OutsideClient.CheckModel(model);

        Assert.Contains("opset 17", stdout);
        Assert.Contains("pipeline.embedding_dim", stdout);
    }

    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void OnnxRuntimeNode_GivesTheSameEmbeddingsAsTorchSharp_Within1e4(string architecture)
    {
        string script = Path.Combine(OutsideClient.NodeFolder(), "embed.mjs");
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

        (int exitCode, string stdout, string stderr) = OutsideClient.Run("node", script, model, input, batch.ToString(), "1", "28", "28", result);

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
}
