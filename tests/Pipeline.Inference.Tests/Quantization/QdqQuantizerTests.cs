using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Data.Tests;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Tests.Quantization;

public sealed class QdqQuantizerTests : IDisposable
{
    // The default-domain operators an int8 variant of TestModel may hold: its own, plus the QDQ pair.
    private static readonly string[] Allowed =
        ["Sub", "Div", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm", "QuantizeLinear", "DequantizeLinear"];

    private readonly TempDirectory _temp = new();
    private readonly TestModel _spec = new(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TensorsToCalibrate_AreEachQuantizedNodesInputAndItsOutputAfterARelu()
    {
        // normalised → Conv → Relu → pool → Flatten → Gemm → embedding (an output, which stays float).
        Assert.Equal(["scale_out", "relu_out", "flatten_out"], QdqQuantizer.TensorsToCalibrate(_spec.Build()));
    }

    [Fact]
    public void Quantize_WritesInt8WeightsPerOutputChannelAndInt32Biases_WithStandardOperatorsOnly()
    {
        ModelProto model = _spec.Build();
        ModelProto quantized = QdqQuantizer.Quantize(model, WideRanges(model));

        Assert.All(quantized.Graph.Node, node => Assert.Equal("", node.Domain));
        Assert.Equal([17L], quantized.OpsetImport.Select(opset => opset.Version));
        Assert.Empty(quantized.Graph.Node.Select(node => node.OpType).Except(Allowed));
        Dictionary<string, TensorProto> initializers = quantized.Graph.Initializer.ToDictionary(tensor => tensor.Name);
        Assert.DoesNotContain("conv.weight", initializers.Keys);
        Assert.Equal((int)TensorProto.Types.DataType.Int8, initializers["conv.weight/int8"].DataType);
        Assert.Equal([6L], initializers["conv.weight/scale"].Dims);
        Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers["conv.bias/int32"].DataType);
        // The Gemm's weight is [out, in] (transB = 1): its channels are along axis 0.
        NodeProto gemmWeight = quantized.Graph.Node.Single(node => node.Input[0] == "fc.weight/int8");
        Assert.Equal(0, gemmWeight.Attribute.Single(attribute => attribute.Name == "axis").I);
        Assert.Equal([5L], initializers["fc.weight/scale"].Dims);
        Assert.Equal(model.MetadataProps, quantized.MetadataProps);
        OutsideClient.CheckModel(Write(quantized, "int8.onnx"));
    }

    [Fact]
    public void Quantize_OnnxRuntimeFusesEveryConvolutionAndGemmIntoIntegerKernels()
    {
        string optimized = _temp.File("int8.optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
        using (new InferenceSession(Write(QdqQuantizer.Quantize(_spec.Build(), WideRanges(_spec.Build())), "int8.onnx"), options))
        {
        }

        string[] operators = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(node => node.OpType).ToArray();
        Assert.Contains("QLinearConv", operators);
        Assert.Contains("QGemm", operators);
        Assert.DoesNotContain("Conv", operators);
        Assert.DoesNotContain("Gemm", operators);
    }

    [Fact]
    public void Quantize_WithoutARange_SaysWhichActivationLacksOne()
    {
        ModelProto model = _spec.Build();
        var ranges = new Dictionary<string, TensorRange>(WideRanges(model));
        ranges.Remove("relu_out");

        var error = Assert.Throws<ArgumentException>(() => QdqQuantizer.Quantize(model, ranges));
        Assert.Contains("'relu_out'", error.Message);
    }

    [Fact]
    public void ChannelQuantizedWeight_ScalesEachChannelByItsLargestMagnitude()
    {
        // Two channels along axis 0: [−2, 0.5] and [0.5, 0.2]; 0.5 / (2 / 63) = 15.75 and 0.2 / (0.5 / 63) = 25.2.
        ChannelQuantizedWeight weight = ChannelQuantizedWeight.Quantize([-2f, 0.5f, 0.5f, 0.2f], [2, 2], axis: 0);

        Assert.Equal([2f / 63, 0.5f / 63], weight.Scales);
        Assert.Equal([-63, 16, 63, 25], weight.Values.Select(value => (int)value));
    }

    [Fact]
    public void ChannelQuantizedWeight_KeepsEveryPairOfProductsWithAUInt8ActivationInsideAnInt16()
    {
        // AVX2's vpmaddubsw adds two uint8 × int8 products in a saturating int16: the largest pair must fit.
        ChannelQuantizedWeight weight = ChannelQuantizedWeight.Quantize([-3f, 3f, 1e-3f, -7f, 2.5f, 0.1f], [2, 3], axis: 0);

        int largest = weight.Values.Max(value => Math.Abs((int)value));
        Assert.Equal(ChannelQuantizedWeight.Limit, largest);
        Assert.True(byte.MaxValue * largest * 2 <= short.MaxValue, $"255 × {largest} × 2 overflows an int16");
    }

    [Fact]
    public void ActivationQuantization_KeepsZeroExact_AndGivesAReluRangeZeroPointZero()
    {
        Assert.Equal(new ActivationQuantization(2f / 255, 0), ActivationQuantization.For(new TensorRange(0f, 2f)));
        ActivationQuantization centred = ActivationQuantization.For(new TensorRange(-1f, 3f));
        Assert.Equal(64, centred.ZeroPoint);
        Assert.Equal(4f / 255, centred.Scale);
    }

    // Wide enough for TestModel's activations (the structure, not the accuracy, is under test here); what follows a Relu
    // is never below 0, as calibration finds, which lets ONNX Runtime fold the Relu into the integer convolution.
    private static IReadOnlyDictionary<string, TensorRange> WideRanges(ModelProto model) =>
        QdqQuantizer.TensorsToCalibrate(model).ToDictionary(tensor => tensor, tensor => new TensorRange(tensor == "scale_out" ? -4f : 0f, 4f));

    private string Write(ModelProto model, string name)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
