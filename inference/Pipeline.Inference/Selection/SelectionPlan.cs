using Pipeline.Data;

namespace Pipeline.Inference.Selection;

/// <summary>What a <see cref="SelectionJob"/> will choose from, told once the model and the pool are loaded, before any image is run.</summary>
/// <param name="Pool">Every image of the pool, at the model's input shape.</param>
/// <param name="Labelled">How many of them are labelled already, and so never chosen.</param>
/// <param name="EmbeddingDim">The dimension of the embeddings the strategy chooses from; null when it ranks by a classifier's probabilities.</param>
public sealed record SelectionPlan(ImageSet Pool, int Labelled, int? EmbeddingDim);
