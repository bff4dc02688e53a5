using Pipeline.Inference.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>A model file to load, as <see cref="ModelSource"/> found it.</summary>
/// <param name="Path">The local ONNX file.</param>
/// <param name="Sha256">The SHA-256 the file must have (from the registry's manifest), or null for a plain file.</param>
/// <param name="FromRegistry">The registry version it is, or null for a plain file.</param>
/// <param name="AliasETag">The alias's ETag when it was resolved, when the reference was an alias.</param>
public sealed record ResolvedModel(string Path, string? Sha256, CachedModel? FromRegistry, string? AliasETag)
{
    /// <summary>The cache the registry model is in, or null for a plain file.</summary>
    public RegistryModelCache? Cache { get; init; }

    /// <summary><paramref name="options"/> with the expected SHA-256, so loading refuses a file that is not the manifest's.</summary>
    public EmbeddingModelOptions Apply(EmbeddingModelOptions options) =>
        Sha256 is null ? options : options with { ExpectedSha256 = Sha256 };
}
