using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// Rewrites a float32 model to compute in float16: float initializers and constants stored as float16, Casts to float
/// made Casts to float16, a Cast to float16 after each float32 input and a Cast back to float32 before each float32
/// output, so the inputs and outputs (the contract: <c>pixels</c> in, <c>embedding</c> out) keep their names and types.
/// </summary>
/// <remarks>
/// Standard opset-17 operators only. Where an execution provider has no float16 kernel for an operator (ONNX Runtime's
/// CPU provider lacks many on x64), ONNX Runtime inserts Casts around it and computes it in float32.
/// </remarks>
public static class Float16Converter
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Float16 = (int)TensorProto.Types.DataType.Float16;

    /// <summary>The float16 model of <paramref name="model"/>; its metadata is the source's.</summary>
    public static ModelProto Convert(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        GraphProto graph = model.Graph;
        var builder = new OnnxGraphBuilder(graph.Name);
        var initializerNames = graph.Initializer.Select(tensor => tensor.Name).ToHashSet(StringComparer.Ordinal);
        var outputs = graph.Output.Where(IsFloat).Select(output => output.Name).ToHashSet(StringComparer.Ordinal);
        // Inside the graph a float32 input is read, and a float32 output made, under a name of its own in float16.
        var halves = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ValueInfoProto input in graph.Input.Where(input => !initializerNames.Contains(input.Name)))
        {
            builder.AddInput(input);
            if (IsFloat(input))
            {
                halves[input.Name] = builder.AddNode("Cast", input.Name + "/to_float16", [input.Name], [OnnxAttributes.Int("to", Float16)]);
            }
        }
        foreach (TensorProto tensor in graph.Initializer)
        {
            builder.AddInitializer(ToFloat16(tensor));
        }
        foreach (string output in outputs)
        {
            halves[output] = output + "/float16";
        }
        foreach (NodeProto node in graph.Node)
        {
            NodeProto copy = builder.AddNode(node, name => halves.GetValueOrDefault(name, name));
            foreach (AttributeProto attribute in copy.Attribute)
            {
                if (copy.OpType == "Cast" && attribute.Name == "to" && attribute.I == Float)
                {
                    attribute.I = Float16;
                }
                else if (attribute.Type == AttributeProto.Types.AttributeType.Tensor)
                {
                    attribute.T = ToFloat16(attribute.T);
                }
            }
        }
        foreach (ValueInfoProto output in graph.Output)
        {
            if (outputs.Contains(output.Name))
            {
                builder.AddNode("Cast", output.Name + "/to_float32", [halves[output.Name]], [OnnxAttributes.Int("to", Float)], output: output.Name);
            }
            builder.AddOutput(output);
        }

        ModelProto result = builder.Build(model.ProducerName, model.ProducerVersion);
        result.MetadataProps.AddRange(model.MetadataProps.Select(entry => entry.Clone()));
        return result;
    }

    private static bool IsFloat(ValueInfoProto value) => value.Type?.TensorType?.ElemType == Float;

    // A float32 tensor as float16 (little-endian raw bytes); any other tensor as it is.
    private static TensorProto ToFloat16(TensorProto tensor)
    {
        if (tensor.DataType != Float)
        {
            return tensor;
        }
        float[] values = TensorValues.Floats(tensor);
        Half[] halves = Array.ConvertAll(values, value => (Half)value);
        var converted = new TensorProto { Name = tensor.Name, DataType = Float16, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan())) };
        converted.Dims.AddRange(tensor.Dims);
        return converted;
    }
}
