using Pipeline.Onnx;

namespace Pipeline.Training.Export;

/// <summary>An encoder written to ONNX after passing the parity check.</summary>
/// <param name="Path">The model file.</param>
/// <param name="Metadata">What the file's metadata says, the parity figure included.</param>
/// <param name="ParityImages">How many images the parity check compared.</param>
public sealed record ExportResult(string Path, EmbeddingModelMetadata Metadata, int ParityImages);
