namespace Pipeline.Inference.Selection;

/// <summary>The images a selector chose, in the order picked, and the clustering it chose them from (typiclust).</summary>
/// <param name="Strategy">The strategy that chose them.</param>
/// <param name="Images">The chosen images, first pick first.</param>
/// <param name="Clustering">Typiclust's k-means clustering of the pool; null for the other strategies.</param>
public sealed record SelectionResult(SelectionStrategy Strategy, IReadOnlyList<SelectedImage> Images, Clustering? Clustering = null);
