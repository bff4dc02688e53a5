namespace Pipeline.Data.SafeTensors;

/// <summary>The safetensors element types this project reads and writes, with their sizes in bytes.</summary>
public static class SafeTensorDType
{
    public const string F64 = "F64";
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";
    public const string I64 = "I64";
    public const string I32 = "I32";
    public const string I16 = "I16";
    public const string I8 = "I8";
    public const string U8 = "U8";
    public const string Bool = "BOOL";

    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        [F64] = 8, [F32] = 4, [F16] = 2, [BF16] = 2, [I64] = 8, [I32] = 4, [I16] = 2, [I8] = 1, [U8] = 1, [Bool] = 1,
    };

    /// <summary>Bytes per element of the type, or an error listing the types known.</summary>
    public static int SizeOf(string dtype) =>
        Sizes.TryGetValue(dtype, out int size)
            ? size
            : throw new InvalidDataException($"Unknown safetensors dtype '{dtype}': known are {string.Join(", ", Sizes.Keys)}.");
}
