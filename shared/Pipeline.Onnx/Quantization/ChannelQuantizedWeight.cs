namespace Pipeline.Onnx.Quantization;

/// <summary>
/// A float weight tensor quantized to int8, symmetric (zero point 0), with one scale per channel along
/// <see cref="Axis"/> (a convolution's output channels, a linear layer's outputs): value ≈ scale[channel] × stored.
/// </summary>
/// <remarks>
/// Stored values span [−63, 63], seven bits of the eight, symmetric so that negating a weight is exact. Seven because of
/// the uint8 × int8 kernels of x64 CPUs without VNNI (AVX2's <c>vpmaddubsw</c>, which ONNX Runtime uses there): they add
/// two products in a saturating int16, and 255 × 127 × 2 overflows it, while 255 × 63 × 2 = 32,130 fits. With the full
/// range, the int8 reference encoder's embeddings on an AVX2 CPU fell to a mean cosine of 0.966 with its fp32 source's
/// (0.71 at worst); with seven bits a variant proven on one machine computes the same on every other (ONNX Runtime's
/// Python quantiser calls this <c>reduce_range</c>). A channel of zeros gets scale 1 (a scale must be positive) and stores
/// zeros.
/// </remarks>
public sealed class ChannelQuantizedWeight
{
    /// <summary>The largest stored magnitude: 255 × Limit × 2 fits in an int16, see the remarks.</summary>
    public const int Limit = 63;

    private ChannelQuantizedWeight(sbyte[] values, float[] scales, int axis)
    {
        Values = values;
        Scales = scales;
        Axis = axis;
    }

    /// <summary>The stored int8 values, in the float tensor's layout.</summary>
    public sbyte[] Values { get; }

    /// <summary>One positive scale per channel along <see cref="Axis"/>.</summary>
    public float[] Scales { get; }

    /// <summary>The dimension whose index is the channel.</summary>
    public int Axis { get; }

    /// <summary>Quantizes <paramref name="values"/>, a tensor of shape <paramref name="dims"/>, per channel along <paramref name="axis"/>.</summary>
    public static ChannelQuantizedWeight Quantize(ReadOnlySpan<float> values, IReadOnlyList<long> dims, int axis)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentOutOfRangeException.ThrowIfNegative(axis);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(axis, dims.Count);
        int channels = checked((int)dims[axis]);
        int inner = checked((int)dims.Skip(axis + 1).Aggregate(1L, (product, size) => product * size));
        if (values.Length != dims.Aggregate(1L, (product, size) => product * size))
        {
            throw new ArgumentException($"{values.Length} values do not fill shape [{string.Join(", ", dims)}].", nameof(values));
        }

        // The element at flat index i belongs to channel (i / inner) % channels.
        float[] largest = new float[channels];
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"Weight value {i} is {values[i]}: only finite weights can be quantized.", nameof(values));
            }
            int channel = i / inner % channels;
            largest[channel] = Math.Max(largest[channel], Math.Abs(values[i]));
        }
        float[] scales = Array.ConvertAll(largest, amplitude => amplitude > 0 ? amplitude / Limit : 1f);
        sbyte[] stored = new sbyte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            stored[i] = (sbyte)Math.Clamp(Math.Round(values[i] / scales[i / inner % channels]), -Limit, Limit);
        }
        return new ChannelQuantizedWeight(stored, scales, axis);
    }
}
