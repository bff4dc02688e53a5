using Onnx;

namespace Pipeline.Onnx;

/// <summary>Makes the node attributes (<see cref="AttributeProto"/>) of the kinds standard operators take, and reads them back with the operators' defaults.</summary>
public static class OnnxAttributes
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>The node's int attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public static long GetInt(NodeProto node, string name, long defaultValue) =>
        Find(node, name) is { } attribute ? attribute.I : defaultValue;

    /// <summary>The node's float attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public static float GetFloat(NodeProto node, string name, float defaultValue) =>
        Find(node, name) is { } attribute ? attribute.F : defaultValue;

    /// <summary>The node's ints attribute <paramref name="name"/>, or null when absent.</summary>
    public static long[]? GetInts(NodeProto node, string name) =>
        Find(node, name) is { } attribute ? attribute.Ints.ToArray() : null;

    /// <summary>The node's string attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public static string GetString(NodeProto node, string name, string defaultValue) =>
        Find(node, name) is { } attribute ? attribute.S.ToStringUtf8() : defaultValue;

    private static AttributeProto? Find(NodeProto node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Attribute.FirstOrDefault(attribute => attribute.Name == name);
    }
}
