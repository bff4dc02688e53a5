using Pipeline.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Checkpoints;

/// <summary>Converts between TorchSharp tensors and <see cref="SafeTensor"/> records (CPU, contiguous, raw bytes).</summary>
public static class TensorConversion
{
    private static readonly Dictionary<ScalarType, string> DTypes = new()
    {
        [ScalarType.Float64] = SafeTensorDType.F64,
        [ScalarType.Float32] = SafeTensorDType.F32,
        [ScalarType.Float16] = SafeTensorDType.F16,
        [ScalarType.BFloat16] = SafeTensorDType.BF16,
        [ScalarType.Int64] = SafeTensorDType.I64,
        [ScalarType.Int32] = SafeTensorDType.I32,
        [ScalarType.Int16] = SafeTensorDType.I16,
        [ScalarType.Int8] = SafeTensorDType.I8,
        [ScalarType.Byte] = SafeTensorDType.U8,
        [ScalarType.Bool] = SafeTensorDType.Bool,
    };

    /// <summary>A copy of the tensor's values, named.</summary>
    public static SafeTensor ToSafeTensor(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!DTypes.TryGetValue(tensor.dtype, out string? dtype))
        {
            throw new NotSupportedException($"Tensor '{name}' has dtype {tensor.dtype}, which checkpoints do not store.");
        }
        using Tensor host = tensor.detach().cpu().contiguous();
        return new SafeTensor(name, dtype, host.shape, host.bytes.ToArray());
    }

    /// <summary>A new CPU tensor holding the record's values.</summary>
    public static Tensor ToTensor(SafeTensor safeTensor)
    {
        ArgumentNullException.ThrowIfNull(safeTensor);
        ScalarType scalarType = DTypes.FirstOrDefault(pair => pair.Value == safeTensor.DType).Key;
        if (DTypes[scalarType] != safeTensor.DType)
        {
            throw new NotSupportedException($"Tensor '{safeTensor.Name}' has dtype {safeTensor.DType}, which TorchSharp cannot hold here.");
        }
        Tensor tensor = empty(safeTensor.Shape, scalarType);
        tensor.bytes = safeTensor.Data;
        return tensor;
    }
}
