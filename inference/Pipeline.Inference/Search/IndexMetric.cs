namespace Pipeline.Inference.Search;

/// <summary>How an <see cref="EmbeddingIndex"/> compares a query with its entries.</summary>
public enum IndexMetric
{
    /// <summary>Cosine similarity of the embeddings as the model gives them.</summary>
    Cosine,

    /// <summary>
    /// Cosine similarity after every dimension is standardised with the catalogue's mean and standard deviation
    /// (<see cref="VectorStandardization"/>), entries and queries alike — what the kNN evaluation does. Without it, the
    /// dimensions with a large mean (ReLU features are never negative) dominate every cosine.
    /// </summary>
    StandardizedCosine,
}
