using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Pipeline.Onnx.Quantization;

/// <summary>Initializers of the integer types a QDQ graph holds (int8 weights, uint8 zero points, int32 biases), as little-endian raw bytes.</summary>
internal static class IntegerTensors
{
    public static TensorProto Int8(string name, ReadOnlySpan<sbyte> values, IEnumerable<long> dims) =>
        Raw(name, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values), dims);

    public static TensorProto UInt8(string name, ReadOnlySpan<byte> values, IEnumerable<long> dims) =>
        Raw(name, TensorProto.Types.DataType.Uint8, values, dims);

    public static TensorProto Int32(string name, ReadOnlySpan<int> values, IEnumerable<long> dims) =>
        Raw(name, TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(values), dims);

    private static TensorProto Raw(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, IEnumerable<long> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
