using Onnx;

namespace Pipeline.Onnx;

/// <summary>Makes the node attributes (<see cref="AttributeProto"/>) of the kinds standard operators take.</summary>
public static class OnnxAttributes
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
