using Onnx;
using Pipeline.Onnx;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Pretraining;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Export;

[Collection(TorchCollection.Name)]
public sealed class EncoderOnnxExporterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("convnet", 1)]
    [InlineData("convnet", 37)]
    [InlineData("resnet18", 1)]
    [InlineData("resnet18", 37)]
    public void Export_RandomWeightsAndBatchNormStatistics_MatchesTorchSharpWithin1e4(string architecture, int batch)
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder(architecture);
        using Tensor pixels = ExportFixtures.Pixels(batch);

        ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));

        output.WriteLine($"{architecture} random, batch {batch}: max |ONNX − TorchSharp| = {result.Metadata.ParityMaxAbsDiff:G3}");
        Assert.InRange(result.Metadata.ParityMaxAbsDiff, 0, 1e-4);
        Assert.Equal(batch, result.ParityImages);
        Assert.True(File.Exists(result.Path));
    }

    [Theory]
    [InlineData("convnet", 1)]
    [InlineData("convnet", 37)]
    [InlineData("resnet18", 1)]
    [InlineData("resnet18", 37)]
    public void Export_TrainedWeights_MatchesTorchSharpWithin1e4(string architecture, int batch)
    {
        using var folder = new TempDirectory();
        RunDirectory run = ExportFixtures.TrainTinyRun(architecture, folder.File("run"));
        (Encoder encoder, _, _) = TrainedEncoder.Load(run);
        using (encoder)
        {
            using Tensor pixels = ExportFixtures.Pixels(batch);

            ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));

            output.WriteLine($"{architecture} trained, batch {batch}: max |ONNX − TorchSharp| = {result.Metadata.ParityMaxAbsDiff:G3}");
            Assert.InRange(result.Metadata.ParityMaxAbsDiff, 0, 1e-4);
        }
    }

    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void Export_WritesThePixelsToEmbeddingContract_WithBatchNormFoldedAway(string architecture)
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder(architecture);
        using Tensor pixels = ExportFixtures.Pixels(2);

        ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Path));

        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
        ValueInfoProto input = Assert.Single(model.Graph.Input);
        ValueInfoProto embedding = Assert.Single(model.Graph.Output);
        Assert.Equal("pixels", input.Name);
        Assert.Equal(["N", "1", "28", "28"], Dimensions(input));
        Assert.Equal("embedding", embedding.Name);
        Assert.Equal(["N", ExportFixtures.SmallDim(architecture).ToString()], Dimensions(embedding));
        string[] operators = model.Graph.Node.Select(node => node.OpType).Distinct().ToArray();
        Assert.DoesNotContain("BatchNormalization", operators);
        Assert.Equal("Sub", model.Graph.Node[0].OpType);
        Assert.Equal("Div", model.Graph.Node[1].OpType);
        int convolutions = encoder.named_modules().Count(module => module.module is Conv2d);
        Assert.Equal(convolutions, model.Graph.Node.Count(node => node.OpType == "Conv"));
    }

    [Fact]
    public void Export_StoresTheContractMetadata_WithTheParityFigure()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        using Tensor pixels = ExportFixtures.Pixels(4);
        DateTimeOffset before = DateTimeOffset.UtcNow;

        ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(result.Path);

        Assert.Equal("simclr", metadata.Method);
        Assert.Equal("convnet", metadata.Encoder);
        Assert.Equal((1, 28, 28), (metadata.Channels, metadata.Height, metadata.Width));
        Assert.Equal("grey", metadata.ChannelOrder);
        Assert.Equal(32, metadata.EmbeddingDim);
        Assert.Equal(encoder.Spec.Mean, metadata.Mean);
        Assert.Equal(encoder.Spec.Std, metadata.Std);
        Assert.Equal(ExportFixtures.Provenance.CheckpointSha256, metadata.CheckpointSha256);
        Assert.Equal(result.Metadata.ParityMaxAbsDiff, metadata.ParityMaxAbsDiff);
        Assert.InRange(metadata.CreatedUtc, before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Export_AModuleTheExporterDoesNotKnow_StopsNamingItsTypeAndPath()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        Sequential features = (Sequential)encoder.named_children().Single(child => child.name == "features").module;
        features.append("dropout", nn.Dropout());
        using Tensor pixels = ExportFixtures.Pixels(2);
        string path = folder.File("encoder.onnx");

        var error = Assert.Throws<UnsupportedModuleException>(
            () => EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, path));

        Assert.Contains("features.dropout (TorchSharp.Modules.Dropout)", error.Message);
        Assert.Equal("features.dropout", error.ModulePath);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Export_ALinearLayer_BecomesGemmAndMatches()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        Sequential features = (Sequential)encoder.named_children().Single(child => child.name == "features").module;
        features.append("projection", nn.Linear(encoder.EmbeddingDim, encoder.EmbeddingDim));
        using Tensor pixels = ExportFixtures.Pixels(5);

        ExportResult result = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));

        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Path));
        Assert.Contains(model.Graph.Node, node => node.OpType == "Gemm");
        Assert.InRange(result.Metadata.ParityMaxAbsDiff, 0, 1e-4);
    }

    [Fact]
    public void Export_WhenOnnxRuntimeDisagreesBeyond1e4_RefusesAndWritesNoFile()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        // Embeddings near 1e8, where one float32 step is 8: ONNX Runtime's folded convolution and TorchSharp's
        // separate batch norm round differently, so the two honestly disagree by far more than 1e-4.
        BatchNorm2d last = encoder.named_modules().Select(module => module.module).OfType<BatchNorm2d>().Last();
        using (no_grad())
        {
            last.weight!.mul_(1e8);
        }
        using Tensor pixels = ExportFixtures.Pixels(8);
        string path = folder.File("encoder.onnx");

        var error = Assert.Throws<OnnxParityException>(
            () => EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, path));

        output.WriteLine(error.Message);
        Assert.True(error.MaxAbsDifference > 1e-4);
        Assert.Contains("not written", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void Export_LeavesTheEncoderInTheModeItWasIn()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        encoder.train();
        using Tensor pixels = ExportFixtures.Pixels(3);

        EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx"));

        Assert.True(encoder.training);
    }

    private static string[] Dimensions(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(dim => dim.HasDimParam ? dim.DimParam : dim.DimValue.ToString()).ToArray();
}
