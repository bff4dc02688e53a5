using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Pipeline.Onnx.Tests;

public sealed class OnnxGraphBuilderTests
{
    [Fact]
    public void Build_WritesOpset17IrVersion8AndADynamicBatchDimension()
    {
        ModelProto model = ScaleAndRelu().Build("tests", "1");

        Assert.Equal(8, model.IrVersion);
        OperatorSetIdProto opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        TensorShapeProto.Types.Dimension batch = model.Graph.Input[0].Type.TensorType.Shape.Dim[0];
        Assert.Equal("N", batch.DimParam);
        Assert.False(batch.HasDimValue);
        Assert.Equal([3L], model.Graph.Output[0].Type.TensorType.Shape.Dim.Skip(1).Select(dim => dim.DimValue));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void BuiltGraph_RunsInOnnxRuntime_ForAnyBatchSize(int batch)
    {
        byte[] bytes = ScaleAndRelu().Build("tests", "1").ToByteArray();
        float[] input = Enumerable.Range(0, batch * 3).Select(i => i - 4f).ToArray();

        using var session = new InferenceSession(bytes);
        using var runOptions = new RunOptions();
        using OrtValue pixels = OrtValue.CreateTensorValueFromMemory(input, [batch, 3]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["x"], [pixels], ["y"]);

        float[] expected = input.Select((value, i) => Math.Max(0f, value * (i % 3 + 1))).ToArray();
        Assert.Equal(expected, outputs[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal([batch, 3L], outputs[0].GetTensorTypeAndShape().Shape);
    }

    [Fact]
    public void AddInitializer_SameHintTwice_GivesUniqueNames()
    {
        var builder = new OnnxGraphBuilder("g");

        string first = builder.AddInitializer("w", [1f], 1);
        string second = builder.AddInitializer("w", [2f], 1);

        Assert.Equal("w", first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void AddInitializer_ValuesThatDoNotFillTheShape_ThrowsSayingBoth()
    {
        var builder = new OnnxGraphBuilder("g");

        var error = Assert.Throws<ArgumentException>(() => builder.AddInitializer("w", [1f, 2f, 3f], 2, 2));

        Assert.Contains("3 values", error.Message);
        Assert.Contains("[2, 2]", error.Message);
    }

    [Fact]
    public void AddNode_ReadingAValueThatDoesNotExist_ThrowsNamingIt()
    {
        var builder = new OnnxGraphBuilder("g");
        builder.AddInput("x", 3);

        var error = Assert.Throws<ArgumentException>(() => builder.AddNode("Relu", "relu", ["missing"]));

        Assert.Contains("'missing'", error.Message);
    }

    [Fact]
    public void AddNode_ExplicitOutputNameAlreadyTaken_Throws()
    {
        var builder = new OnnxGraphBuilder("g");
        builder.AddInput("x", 3);

        var error = Assert.Throws<ArgumentException>(() => builder.AddNode("Relu", "relu", ["x"], output: "x"));

        Assert.Contains("'x' is already used", error.Message);
    }

    [Fact]
    public void Build_WithoutAnOutput_ThrowsSayingSo()
    {
        var builder = new OnnxGraphBuilder("g");
        builder.AddInput("x", 3);

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build("tests", "1"));

        Assert.Contains("no output", error.Message);
    }

    /// <summary>y = relu(x · [1, 2, 3]) for x of shape [N, 3].</summary>
    private static OnnxGraphBuilder ScaleAndRelu()
    {
        var builder = new OnnxGraphBuilder("scale_relu");
        string x = builder.AddInput("x", 3);
        string scale = builder.AddInitializer("scale", [1f, 2f, 3f], 1, 3);
        string scaled = builder.AddNode("Mul", "mul", [x, scale]);
        string y = builder.AddNode("Relu", "relu", [scaled], output: "y");
        builder.AddOutput(y, 3);
        return builder;
    }
}
