using System.Runtime.InteropServices;
using Onnx;

namespace Pipeline.Onnx.FineTuning;

/// <summary>Reads the values of a float32 ONNX initializer, however it is stored (typed field or raw bytes).</summary>
internal static class TensorValues
{
    public static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidDataException($"Initializer '{tensor.Name}' is {(TensorProto.Types.DataType)tensor.DataType}, not float32.");
        }
        if (tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new InvalidDataException($"Initializer '{tensor.Name}' is stored in an external file, which this library does not read.");
        }
        float[] values = tensor.FloatData.Count > 0 ? tensor.FloatData.ToArray() : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        long expected = tensor.Dims.Aggregate(1L, (product, size) => product * size);
        if (values.Length != expected)
        {
            throw new InvalidDataException($"Initializer '{tensor.Name}' holds {values.Length} values for shape [{string.Join(", ", tensor.Dims)}].");
        }
        return values;
    }
}
