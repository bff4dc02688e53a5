using Onnx;
using Pipeline.Errors;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// Rewrites a float32 model into static int8 QDQ form with standard opset-17 operators only: QuantizeLinear and
/// DequantizeLinear pairs around the Conv, Gemm and MatMul nodes (see <see cref="QdqPlan"/>), weights stored as int8
/// initializers with one scale per output channel, biases as int32 at the scale input scale × weight scale, and
/// activations quantized to uint8 over ranges calibrated on images.
/// </summary>
/// <remarks>
/// Every ONNX Runtime build runs the result; ONNX Runtime's graph optimiser fuses each DequantizeLinear → Conv →
/// QuantizeLinear group into an integer kernel (QLinearConv, QGemm). Inputs, outputs and metadata are the source's.
/// <example><code>
/// IReadOnlyList&lt;string&gt; tensors = QdqQuantizer.TensorsToCalibrate(model);
/// // … run the model with those tensors as outputs on a sample of images, keep each one's range …
/// ModelProto int8 = QdqQuantizer.Quantize(model, ranges);
/// </code></example>
/// </remarks>
public static class QdqQuantizer
{
    /// <summary>The activation tensors whose ranges <see cref="Quantize"/> needs, in the order the graph makes them.</summary>
    public static IReadOnlyList<string> TensorsToCalibrate(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return QdqPlan.For(model.Graph).Activations;
    }

    /// <summary>The QDQ model of <paramref name="model"/>, its activations quantized over <paramref name="ranges"/>.</summary>
    /// <param name="model">A float32 model.</param>
    /// <param name="ranges">The calibrated range of every tensor <see cref="TensorsToCalibrate"/> names.</param>
    /// <exception cref="UserErrorException">The model has no Conv, Gemm or MatMul with a float weight initializer.</exception>
    /// <exception cref="ArgumentException">A range is missing or not finite.</exception>
    public static ModelProto Quantize(ModelProto model, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranges);
        GraphProto graph = model.Graph;
        QdqPlan plan = QdqPlan.For(graph);
        if (plan.Nodes.Count == 0)
        {
            throw new UserErrorException(
                $"Graph '{graph.Name}' has no Conv, Gemm or MatMul with a float32 weight initializer: there is nothing to quantize.");
        }

        var builder = new OnnxGraphBuilder(graph.Name);
        var initializerNames = graph.Initializer.Select(tensor => tensor.Name).ToHashSet(StringComparer.Ordinal);
        foreach (ValueInfoProto input in graph.Input.Where(input => !initializerNames.Contains(input.Name)))
        {
            builder.AddInput(input);
        }
        // The float initializers still read as they are: all but the quantized weights and biases.
        bool Replaced(int index, string input) =>
            plan.Nodes.TryGetValue(index, out QuantizedNode? node) && (input == node.Weight.Name || input == node.Bias?.Name);
        var stillRead = graph.Node.SelectMany((node, index) => node.Input.Where(input => !Replaced(index, input))).ToHashSet(StringComparer.Ordinal);
        foreach (TensorProto tensor in graph.Initializer.Where(tensor => stillRead.Contains(tensor.Name)))
        {
            builder.AddInitializer(tensor);
        }

        var activations = plan.Activations.ToHashSet(StringComparer.Ordinal);
        var quantized = new Dictionary<string, QuantizedActivation>(StringComparer.Ordinal);
        foreach (ValueInfoProto input in graph.Input.Where(input => activations.Contains(input.Name)))
        {
            quantized[input.Name] = QuantizeActivation(builder, input.Name, ranges, shared: null);
        }
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (plan.Nodes.TryGetValue(i, out QuantizedNode? target))
            {
                ChannelQuantizedWeight weight = ChannelQuantizedWeight.Quantize(TensorValues.Floats(target.Weight), target.Weight.Dims, target.ChannelAxis);
                inputs[node.Input[1]] = AddWeight(builder, target.Weight, weight);
                if (target.Bias is { } bias)
                {
                    inputs[node.Input[2]] = AddBias(builder, bias, quantized[node.Input[0]].Parameters.Scale, weight.Scales);
                }
            }
            builder.AddNode(node, name => inputs.GetValueOrDefault(name) ?? (quantized.TryGetValue(name, out QuantizedActivation? activation) ? activation.Dequantized : name));
            foreach (string output in node.Output.Where(activations.Contains))
            {
                // A value-preserving operator's output shares its quantized input's scale and zero point.
                QuantizedActivation? shared = QdqPlan.ValuePreserving.Contains(node.OpType) ? quantized.GetValueOrDefault(node.Input[0]) : null;
                quantized[output] = QuantizeActivation(builder, output, ranges, shared);
            }
        }
        foreach (ValueInfoProto output in graph.Output)
        {
            builder.AddOutput(output);
        }

        ModelProto result = builder.Build(model.ProducerName, model.ProducerVersion);
        result.MetadataProps.AddRange(model.MetadataProps.Select(entry => entry.Clone()));
        return result;
    }

    /// <summary>An activation after its QuantizeLinear → DequantizeLinear pair.</summary>
    private sealed record QuantizedActivation(ActivationQuantization Parameters, string Scale, string ZeroPoint, string Dequantized);

    private static QuantizedActivation QuantizeActivation(OnnxGraphBuilder builder, string tensor, IReadOnlyDictionary<string, TensorRange> ranges,
        QuantizedActivation? shared)
    {
        (ActivationQuantization parameters, string scale, string zeroPoint) = shared is not null
            ? (shared.Parameters, shared.Scale, shared.ZeroPoint)
            : NewParameters(builder, tensor, ranges);
        string stored = builder.AddNode("QuantizeLinear", tensor + "/quantize", [tensor, scale, zeroPoint]);
        string dequantized = builder.AddNode("DequantizeLinear", tensor + "/dequantize", [stored, scale, zeroPoint]);
        return new QuantizedActivation(parameters, scale, zeroPoint, dequantized);
    }

    private static (ActivationQuantization, string Scale, string ZeroPoint) NewParameters(OnnxGraphBuilder builder, string tensor,
        IReadOnlyDictionary<string, TensorRange> ranges)
    {
        if (!ranges.TryGetValue(tensor, out TensorRange range))
        {
            throw new ArgumentException($"No calibrated range was given for activation '{tensor}'.", nameof(ranges));
        }
        var parameters = ActivationQuantization.For(range);
        string scale = builder.AddInitializer(tensor + "/scale", [parameters.Scale]);
        string zeroPoint = builder.AddInitializer(IntegerTensors.UInt8(tensor + "/zero_point", [parameters.ZeroPoint], []));
        return (parameters, scale, zeroPoint);
    }

    // The int8 weight, its per-channel scales and zero zero points, and the DequantizeLinear that reads them.
    private static string AddWeight(OnnxGraphBuilder builder, TensorProto source, ChannelQuantizedWeight weight)
    {
        string values = builder.AddInitializer(IntegerTensors.Int8(source.Name + "/int8", weight.Values, source.Dims));
        string scales = builder.AddInitializer(source.Name + "/scale", weight.Scales, weight.Scales.Length);
        string zeroPoints = builder.AddInitializer(IntegerTensors.Int8(source.Name + "/zero_point", new sbyte[weight.Scales.Length], [weight.Scales.Length]));
        return builder.AddNode("DequantizeLinear", source.Name + "/dequantize", [values, scales, zeroPoints], [OnnxAttributes.Int("axis", weight.Axis)]);
    }

    // The bias in int32 at scale input scale × weight scale per channel, so that the integer kernel adds it to its int32
    // accumulator as it is.
    private static string AddBias(OnnxGraphBuilder builder, TensorProto source, float inputScale, float[] weightScales)
    {
        float[] bias = TensorValues.Floats(source);
        float[] scales = Array.ConvertAll(weightScales, weightScale => inputScale * weightScale);
        int[] stored = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            stored[c] = (int)Math.Clamp(Math.Round((double)bias[c] / scales[c]), int.MinValue, int.MaxValue);
        }
        string values = builder.AddInitializer(IntegerTensors.Int32(source.Name + "/int32", stored, source.Dims));
        string scale = builder.AddInitializer(source.Name + "/scale", scales, scales.Length);
        return builder.AddNode("DequantizeLinear", source.Name + "/dequantize", [values, scale], [OnnxAttributes.Int("axis", 0)]);
    }
}
