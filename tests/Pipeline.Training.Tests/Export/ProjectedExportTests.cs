using Microsoft.ML.OnnxRuntime;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Export;

[Collection(TorchCollection.Name)]
public sealed class ProjectedExportTests
{
    [Fact]
    public void ExportProjected_GivesTheProjectionHeadsFirstLayerAfterTheEncoder_BatchNormFolded()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var run = new RunDirectory(folder.File("run"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1), images, run, resume: false);
        string path = folder.File("encoder-g1.onnx");

        ExportResult export = RunExport.ExportProjected(run, null, projectionLayers: 1, path);

        Assert.Equal(1, export.Metadata.ProjectionLayers);
        Assert.Equal(32, export.Metadata.EmbeddingDim);
        Assert.Empty(export.Metadata.Metrics);
        // The expected output from the checkpoint's raw weights: ReLU(BN(W1 h)) with the running statistics.
        (PretextObjective objective, _, _) = TrainedObjective.Load(run);
        using (objective)
        {
            Dictionary<string, Tensor> weights = objective.state_dict();
            using var scope = NewDisposeScope();
            Tensor pixels = ExportFixtures.Pixels(16);
            Tensor h = objective.Encoder.forward(pixels);
            Tensor hidden = h.matmul(weights["projection_head.layers.linear1.weight"].t());
            Tensor normalised = hidden.sub(weights["projection_head.layers.bn1.running_mean"])
                .div(weights["projection_head.layers.bn1.running_var"].add(1e-5).sqrt())
                .mul(weights["projection_head.layers.bn1.weight"]).add(weights["projection_head.layers.bn1.bias"]);
            float[] expected = normalised.relu().contiguous().data<float>().ToArray();
            float[] plain = h.contiguous().data<float>().ToArray();

            float[] actual = Embed(path, pixels);

            Assert.Equal(expected.Length, actual.Length);
            Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
            Assert.True(plain.Zip(actual).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-2, "the export gives the encoder's own h");
            Assert.Contains(actual, value => value == 0f);
        }
    }

    [Fact]
    public void ExportProjected_MoreLayersThanTheHeadHas_OrARunWithoutAHead_IsRefusedAndWritesNothing()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var simclr = new RunDirectory(folder.File("simclr"));
        var rotation = new RunDirectory(folder.File("rotation"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1), images, simclr, resume: false);
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: "rotation"), images, rotation, resume: false);
        string path = folder.File("encoder-g.onnx");

        var tooMany = Assert.Throws<InvalidSettingException>(() => RunExport.ExportProjected(simclr, null, projectionLayers: 2, path));
        var noHead = Assert.Throws<InvalidSettingException>(() => RunExport.ExportProjected(rotation, null, projectionLayers: 1, path));

        Assert.Contains("1 hidden layer", tooMany.Message);
        Assert.Contains("only a simclr run", noHead.Message);
        Assert.False(File.Exists(path));
    }

    private static float[] Embed(string path, Tensor pixels)
    {
        using var session = new InferenceSession(path);
        float[] input = pixels.contiguous().data<float>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, pixels.shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(new RunOptions(), ["pixels"], [value], ["embedding"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
