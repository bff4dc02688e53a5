using Pipeline.Data;

namespace Pipeline.Inference.Selection;

/// <summary>What a <see cref="SelectionJob"/> chose and wrote, with what it chose from.</summary>
/// <param name="Selection">The chosen images, in pick order, with the reason for each.</param>
/// <param name="Pool">Every image of the pool, at the model's input shape.</param>
/// <param name="Labelled">How many of the pool's images were labelled already.</param>
/// <param name="Embeddings">The pool's embeddings the strategy chose from; null when it ranked by a classifier's probabilities.</param>
/// <param name="FromCache">Whether <see cref="Embeddings"/> were read from the embedding cache rather than made by the model.</param>
/// <param name="Inference">How long the model took (embedding or classifying the pool), or reading the cache.</param>
/// <param name="Elapsed">From the start of <see cref="Inference"/> to the end of the selection.</param>
/// <param name="Output">The CSV written (<see cref="SelectionFile"/>).</param>
public sealed record SelectionJobResult(SelectionResult Selection, ImageSet Pool, int Labelled, EmbeddingPool? Embeddings, bool FromCache,
    TimeSpan Inference, TimeSpan Elapsed, string Output);
