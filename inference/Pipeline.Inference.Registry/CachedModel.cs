using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Registry;

/// <summary>A registry version's encoder on local disk.</summary>
/// <param name="Reference">What was asked for (an alias or a version).</param>
/// <param name="Version">The version it named when resolved.</param>
/// <param name="Precision">The precision pulled: <see cref="FileVariant.ReferencePrecision"/>, or a variant's.</param>
/// <param name="Path">The local encoder.onnx, or its variant in <paramref name="Precision"/>.</param>
/// <param name="Sha256">The encoder's SHA-256 per the version's manifest; loading checks the file against it.</param>
public sealed record CachedModel(ModelReference Reference, ModelVersion Version, string Precision, string Path, string Sha256);
