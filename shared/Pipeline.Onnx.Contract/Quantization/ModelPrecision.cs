namespace Pipeline.Onnx.Quantization;

/// <summary>The number formats a precision variant of an embedding model computes in (the reference is float32).</summary>
public enum ModelPrecision
{
    /// <summary>
    /// Static int8 in QDQ form: weights int8, symmetric, one scale per output channel; activations uint8, one scale and
    /// zero point per tensor, calibrated on images.
    /// </summary>
    Int8,

    /// <summary>Weights and computation in float16, with the float32 input and outputs of the contract kept.</summary>
    Fp16,
}
