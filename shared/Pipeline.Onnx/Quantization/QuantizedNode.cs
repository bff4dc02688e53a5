using Onnx;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// A Conv, Gemm or MatMul node the QDQ form quantizes: its float weight initializer, the axis of the weight's output
/// channels, and its bias initializer when the bias is quantized to int32 too.
/// </summary>
/// <param name="Weight">The weight initializer (the node's second input).</param>
/// <param name="ChannelAxis">The weight dimension indexed by output channel: 0 for Conv and Gemm with transB, 1 for MatMul and plain Gemm.</param>
/// <param name="Bias">The bias initializer (the third input), or null when there is none or it stays float.</param>
internal sealed record QuantizedNode(TensorProto Weight, int ChannelAxis, TensorProto? Bias)
{
    /// <summary>How <paramref name="node"/> is quantized, or null when it is left in float.</summary>
    public static QuantizedNode? Of(NodeProto node, IReadOnlyDictionary<string, TensorProto> initializers)
    {
        if (node.Domain.Length > 0 || node.Input.Count < 2 || initializers.ContainsKey(node.Input[0])
            || !initializers.TryGetValue(node.Input[1], out TensorProto? weight) || weight.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return null;
        }
        switch (node.OpType)
        {
            case "Conv" when weight.Dims.Count >= 3:
                return new QuantizedNode(weight, 0, FloatBias(node, initializers, weight.Dims[0]));
            case "Gemm" when weight.Dims.Count == 2:
                int axis = OnnxAttributes.GetInt(node, "transB", 0) == 1 ? 0 : 1;
                // ONNX Runtime fuses an int32 bias only when Gemm adds it unscaled (beta 1); another beta keeps it float.
                TensorProto? bias = OnnxAttributes.GetFloat(node, "beta", 1f) == 1f ? FloatBias(node, initializers, weight.Dims[axis]) : null;
                return new QuantizedNode(weight, axis, bias);
            case "MatMul" when weight.Dims.Count == 2:
                return new QuantizedNode(weight, 1, null);
            default:
                return null;
        }
    }

    // A bias is quantized only when it is a float initializer with one value per output channel.
    private static TensorProto? FloatBias(NodeProto node, IReadOnlyDictionary<string, TensorProto> initializers, long channels) =>
        node.Input.Count > 2 && initializers.TryGetValue(node.Input[2], out TensorProto? bias)
            && bias.DataType == (int)TensorProto.Types.DataType.Float && bias.Dims.Count == 1 && bias.Dims[0] == channels
            ? bias
            : null;
}
