namespace Pipeline.Inference.Selection;

/// <summary>
/// Greedy k-center (Sener and Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set Approach", ICLR
/// 2018): each pick is the unlabelled image farthest from its nearest labelled-or-picked image, so the picks cover the
/// pool with the smallest radius the greedy 2-approximation finds. With nothing labelled, the first pick is drawn
/// uniformly with the seed; ties go to the lowest index.
/// </summary>
public sealed class KCenterGreedySelector : IImageSelector
{
    public SelectionStrategy Strategy => SelectionStrategy.KCenter;

    public SelectionResult Select(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed,
        CancellationToken cancellationToken = default)
    {
        ImageSelection.Validate(pool, budget, labelled);
        // Distance from every image to its nearest centre (labelled or picked); centres themselves are at 0.
        float[] nearest = new float[pool.Count];
        Array.Fill(nearest, float.PositiveInfinity);
        foreach (int centre in labelled.Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Cover(pool, nearest, centre);
        }

        bool[] taken = new bool[pool.Count];
        foreach (int index in labelled)
        {
            taken[index] = true;
        }
        var picks = new List<SelectedImage>(budget);
        if (labelled.Count == 0)
        {
            int first = new Random(seed).Next(pool.Count);
            picks.Add(new SelectedImage(first));
            taken[first] = true;
            Cover(pool, nearest, first);
        }
        while (picks.Count < budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Among images not taken, the farthest; duplicates of a centre are at 0 and are picked last.
            int farthest = -1;
            for (int i = 0; i < nearest.Length; i++)
            {
                if (!taken[i] && (farthest < 0 || nearest[i] > nearest[farthest]))
                {
                    farthest = i;
                }
            }
            picks.Add(new SelectedImage(farthest, Distance: nearest[farthest]));
            taken[farthest] = true;
            Cover(pool, nearest, farthest);
        }
        return new SelectionResult(Strategy, picks);
    }

    private static void Cover(EmbeddingPool pool, float[] nearest, int centre) =>
        ParallelRows.For(pool.Count, i => nearest[i] = Math.Min(nearest[i], pool.Distance(i, centre)));
}
