namespace Pipeline.Inference.Selection;

/// <summary>The selectors by strategy, and the checks every selection starts with.</summary>
public static class ImageSelection
{
    /// <summary>The selector that implements <paramref name="strategy"/>, with its published settings.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <param name="bandwidth">MaxHerding's kernel width; null: <see cref="MaxHerdingSelector.DefaultBandwidth"/>. Only for MaxHerding.</param>
    /// <exception cref="ArgumentOutOfRangeException">The strategy does not choose from embeddings (margin: <see cref="MarginSelector"/>).</exception>
    /// <exception cref="ArgumentException">A bandwidth for a strategy other than MaxHerding.</exception>
    public static IImageSelector Create(SelectionStrategy strategy, double? bandwidth = null)
    {
        if (bandwidth is not null && strategy != SelectionStrategy.MaxHerding)
        {
            throw new ArgumentException($"Only maxherding has a kernel bandwidth, not {NameOf(strategy)}.", nameof(bandwidth));
        }
        return strategy switch
        {
            SelectionStrategy.Typiclust => new TypiclustSelector(),
            SelectionStrategy.KCenter => new KCenterGreedySelector(),
            SelectionStrategy.Random => new RandomSelector(),
            SelectionStrategy.MaxHerding => new MaxHerdingSelector(bandwidth ?? MaxHerdingSelector.DefaultBandwidth),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not a strategy that chooses from embeddings."),
        };
    }

    /// <summary>Whether the strategy ranks by a classifier's probabilities (margin) rather than by an encoder's embeddings.</summary>
    public static bool NeedsClassifier(SelectionStrategy strategy) => strategy == SelectionStrategy.Margin;

    /// <summary>The strategy's name as the CLI and the selection file spell it: typiclust, kcenter, random, margin, maxherding.</summary>
    public static string NameOf(SelectionStrategy strategy) => strategy.ToString().ToLowerInvariant();

    /// <summary>Checks a request against the pool.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive, or more than the images not yet labelled.</exception>
    /// <exception cref="ArgumentException">A labelled index is outside the pool.</exception>
    internal static void Validate(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Validate(pool.Count, budget, labelled);
    }

    /// <summary>Checks a request against a pool of <paramref name="count"/> images.</summary>
    internal static void Validate(int count, int budget, IReadOnlySet<int> labelled)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        foreach (int index in labelled)
        {
            if ((uint)index >= (uint)count)
            {
                throw new ArgumentException($"Labelled image {index} is outside the pool of {count} images.", nameof(labelled));
            }
        }
        int unlabelled = count - labelled.Count;
        if (budget < 1 || budget > unlabelled)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget,
                $"A budget is from 1 to the {unlabelled} images of the pool not yet labelled ({count} in all, {labelled.Count} labelled), not {budget}.");
        }
    }
}
