using Pipeline.Errors;

namespace Pipeline.Inference.Search;

/// <summary>
/// Thrown when an <see cref="EmbeddingIndex"/> is asked to compare embeddings of a model other than the one that made its
/// vectors: two models' embedding spaces are unrelated, so the neighbours found would be wrong without any sign of it.
/// </summary>
public sealed class IndexModelMismatchException : UserErrorException
{
    /// <param name="indexModelSha256">The SHA-256 of the model the index was built with.</param>
    /// <param name="modelSha256">The SHA-256 of the model offered.</param>
    public IndexModelMismatchException(string indexModelSha256, string modelSha256)
        : base($"The index holds embeddings of the model with SHA-256 {indexModelSha256}, not of this one ({modelSha256}): "
            + "embeddings of different models are not comparable. Search with the index's model, or build the index again with this one.")
    {
        IndexModelSha256 = indexModelSha256;
        ModelSha256 = modelSha256;
    }

    /// <summary>The SHA-256 of the model the index was built with.</summary>
    public string IndexModelSha256 { get; }

    /// <summary>The SHA-256 of the model offered.</summary>
    public string ModelSha256 { get; }
}
