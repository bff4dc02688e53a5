namespace Pipeline.Inference.Selection;

/// <summary>A strategy that chooses which images of a pool to label next.</summary>
public interface IImageSelector
{
    /// <summary>The strategy this selector implements.</summary>
    SelectionStrategy Strategy { get; }

    /// <summary>
    /// Chooses <paramref name="budget"/> images of <paramref name="pool"/> that are not in <paramref name="labelled"/>, in
    /// the order picked. Deterministic for a seed, whatever the number of threads.
    /// </summary>
    /// <param name="pool">Every image, labelled ones included (strategies use them to know what is covered).</param>
    /// <param name="budget">Images to choose, from 1 to the number not yet labelled.</param>
    /// <param name="labelled">Indices of the images already labelled.</param>
    /// <param name="seed">Seeds every random choice.</param>
    /// <param name="cancellationToken">Stops the selection.</param>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive, or more than the images not yet labelled.</exception>
    /// <exception cref="ArgumentException">A labelled index is outside the pool.</exception>
    SelectionResult Select(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed, CancellationToken cancellationToken = default);
}
