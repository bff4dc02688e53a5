using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>A precision variant <see cref="ModelQuantizer"/> wrote, and the evidence it was written on.</summary>
/// <param name="Path">The variant's file.</param>
/// <param name="Metadata">What its metadata adds to the source's: precision, source SHA-256, calibration, proof.</param>
/// <param name="Limits">The limits the proof met.</param>
/// <param name="SourceBytes">The size of the float32 source file.</param>
/// <param name="Bytes">The size of the variant's file.</param>
public sealed record QuantizationResult(string Path, PrecisionMetadata Metadata, PrecisionLimits Limits, long SourceBytes, long Bytes);
