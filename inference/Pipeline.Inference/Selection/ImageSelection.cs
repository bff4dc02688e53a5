namespace Pipeline.Inference.Selection;

/// <summary>The selectors by strategy, and the checks every selection starts with.</summary>
public static class ImageSelection
{
    /// <summary>The selector that implements <paramref name="strategy"/>, with its published settings.</summary>
    public static IImageSelector Create(SelectionStrategy strategy) => strategy switch
    {
        SelectionStrategy.Typiclust => new TypiclustSelector(),
        SelectionStrategy.KCenter => new KCenterGreedySelector(),
        SelectionStrategy.Random => new RandomSelector(),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not a selection strategy."),
    };

    /// <summary>The strategy's name as the CLI and the selection file spell it: typiclust, kcenter, random.</summary>
    public static string NameOf(SelectionStrategy strategy) => strategy.ToString().ToLowerInvariant();

    /// <summary>Checks a request against the pool.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive, or more than the images not yet labelled.</exception>
    /// <exception cref="ArgumentException">A labelled index is outside the pool.</exception>
    internal static void Validate(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(labelled);
        foreach (int index in labelled)
        {
            if ((uint)index >= (uint)pool.Count)
            {
                throw new ArgumentException($"Labelled image {index} is outside the pool of {pool.Count} images.", nameof(labelled));
            }
        }
        int unlabelled = pool.Count - labelled.Count;
        if (budget < 1 || budget > unlabelled)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget,
                $"A budget is from 1 to the {unlabelled} images of the pool not yet labelled ({pool.Count} in all, {labelled.Count} labelled), not {budget}.");
        }
    }
}
