using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Data;
using Pipeline.Onnx;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Export;

[Collection(TorchCollection.Name)]
public sealed class LatentEncoderExportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void Export_LatentEncoder_IsTheBackboneThenAGemm_AndMatchesWithin1e4(string architecture)
    {
        using var folder = new TempDirectory();
        using var encoder = new LatentEncoder(ExportFixtures.RandomEncoder(architecture), latentDim: 6);
        encoder.eval();
        using Tensor pixels = ExportFixtures.Pixels(19);

        ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));

        output.WriteLine($"{architecture} + latent map, random: max |ONNX − TorchSharp| = {result.Metadata.ParityMaxAbsDiff:G3}");
        Assert.InRange(result.Metadata.ParityMaxAbsDiff, 0, 1e-4);
        Assert.Equal(6, result.Metadata.EmbeddingDim);
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Path));
        Assert.Equal(["Gemm", "Identity"], model.Graph.Node.TakeLast(2).Select(node => node.OpType));
        Assert.Equal("6", model.Graph.Output.Single().Type.TensorType.Shape.Dim[1].DimValue.ToString());
    }

    [Fact]
    public void Export_TrainedVae_OutputsTheMeanOfThePosterior()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var run = new RunDirectory(folder.File("run"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: "vae"), images, run, resume: false);

        ExportResult result = RunExport.Export(run, null, folder.File("encoder.onnx"));

        using Tensor pixels = ExportFixtures.Pixels(23);
        float[] onnx = Embed(result.Path, pixels);
        (PretextObjective objective, _, _) = TrainedObjective.Load(run);
        using (objective)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            (Tensor mean, Tensor logVariance) = ((VaeObjective)objective).Posterior(pixels);
            float[] expected = mean.contiguous().data<float>().ToArray();
            double largest = expected.Zip(onnx, (a, b) => Math.Abs((double)a - b)).Max();
            output.WriteLine($"trained vae: max |ONNX embedding − μ| = {largest:G3}");
            Assert.Equal(23 * 8, onnx.Length);
            Assert.InRange(largest, 0, 1e-4);
            // The embedding is μ, not log σ² nor a sample.
            Assert.False(mean.allclose(logVariance, atol: 1e-3));
        }
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(result.Path);
        Assert.Equal("vae", metadata.Method);
        Assert.Equal(8, metadata.EmbeddingDim);
        Assert.InRange(metadata.ParityMaxAbsDiff, 0, 1e-4);
    }

    private static float[] Embed(string path, Tensor pixels)
    {
        float[] input = pixels.contiguous().data<float>().ToArray();
        using var session = new InferenceSession(path);
        using var runOptions = new RunOptions();
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, pixels.shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["pixels"], [value], ["embedding"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
