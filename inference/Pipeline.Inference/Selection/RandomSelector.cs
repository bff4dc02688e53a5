namespace Pipeline.Inference.Selection;

/// <summary>Chooses unlabelled images uniformly at random: the baseline, and what a user does without a strategy.</summary>
public sealed class RandomSelector : IImageSelector
{
    public SelectionStrategy Strategy => SelectionStrategy.Random;

    public SelectionResult Select(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed,
        CancellationToken cancellationToken = default)
    {
        ImageSelection.Validate(pool, budget, labelled);
        cancellationToken.ThrowIfCancellationRequested();
        int[] candidates = Enumerable.Range(0, pool.Count).Where(index => !labelled.Contains(index)).ToArray();
        new Random(seed).Shuffle(candidates);
        return new SelectionResult(Strategy, candidates.Take(budget).Select(index => new SelectedImage(index)).ToArray());
    }
}
