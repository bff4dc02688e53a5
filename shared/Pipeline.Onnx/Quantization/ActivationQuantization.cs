namespace Pipeline.Onnx.Quantization;

/// <summary>
/// How one activation tensor is quantized: uint8, asymmetric, one <paramref name="Scale"/> and <paramref name="ZeroPoint"/>
/// per tensor, so that a value x is stored as clamp(round(x / scale) + zero point, 0, 255).
/// </summary>
/// <remarks>
/// uint8 activations with int8 weights (U8S8) are what ONNX Runtime's x64 kernels and AVX-512 VNNI's dot product
/// (<c>vpdpbusd</c>: unsigned times signed bytes) compute natively. The range always includes 0, so that 0 (a convolution's
/// padding, a Relu's floor) is stored exactly; a range whose minimum is 0 gets zero point 0, which is what lets ONNX Runtime
/// drop a Relu before the QuantizeLinear that clamps at 0 anyway.
/// </remarks>
public readonly record struct ActivationQuantization(float Scale, byte ZeroPoint)
{
    /// <summary>The quantization of values in <paramref name="range"/>, widened to hold 0.</summary>
    public static ActivationQuantization For(TensorRange range)
    {
        if (!float.IsFinite(range.Min) || !float.IsFinite(range.Max) || range.Min > range.Max)
        {
            throw new ArgumentException($"A calibrated range must be finite with min ≤ max, not [{range.Min}, {range.Max}].", nameof(range));
        }
        float low = Math.Min(range.Min, 0f), high = Math.Max(range.Max, 0f);
        if (high - low < float.Epsilon * byte.MaxValue)
        {
            // A tensor that was 0 on every calibration image: any scale stores 0 exactly.
            return new ActivationQuantization(1f, 0);
        }
        float scale = (high - low) / byte.MaxValue;
        return new ActivationQuantization(scale, (byte)Math.Clamp(Math.Round(-low / scale), 0, byte.MaxValue));
    }
}
