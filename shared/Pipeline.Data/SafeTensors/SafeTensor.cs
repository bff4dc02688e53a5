namespace Pipeline.Data.SafeTensors;

/// <summary>One named tensor of a safetensors file: element type, shape and raw little-endian bytes.</summary>
/// <param name="Name">The tensor's name, unique in its file.</param>
/// <param name="DType">The element type as safetensors spells it (see <see cref="SafeTensorDType"/>).</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="Data">Row-major element bytes, exactly product(shape) × element size of them.</param>
public sealed record SafeTensor(string Name, string DType, long[] Shape, byte[] Data)
{
    /// <summary>The number of elements, the product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>A float32 tensor from values.</summary>
    public static SafeTensor FromFloats(string name, long[] shape, ReadOnlySpan<float> values) =>
        new(name, SafeTensorDType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The values of a float32 tensor.</summary>
    public float[] ToFloats()
    {
        if (DType != SafeTensorDType.F32)
        {
            throw new InvalidDataException($"Tensor '{Name}' holds {DType}, not F32.");
        }
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data).ToArray();
    }
}
