namespace Pipeline.Inference.Search;

/// <summary>One entry an <see cref="EmbeddingIndex"/> search found: its id and its cosine similarity to the query.</summary>
/// <param name="Id">The entry's id, such as the image's path relative to the catalogue folder.</param>
/// <param name="Score">
/// Cosine similarity to the query in the index's space (<see cref="EmbeddingIndex.Metric"/>: standardised first, or not),
/// in [-1, 1]: 1 is the same direction.
/// </param>
public readonly record struct SearchHit(string Id, float Score);
