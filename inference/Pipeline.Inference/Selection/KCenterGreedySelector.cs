using System.Numerics.Tensors;

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
        // Squared distance from every image to its nearest centre (labelled or picked); a centre itself is at −∞, so it is
        // never the farthest again. Squared distances order the images as distances do.
        float[] nearest = new float[pool.Count];
        float[] scratch = new float[pool.Count];
        Array.Fill(nearest, float.PositiveInfinity);
        foreach (int centre in labelled.Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Take(pool, nearest, scratch, centre);
        }

        var picks = new List<SelectedImage>(budget);
        if (labelled.Count == 0)
        {
            int first = new Random(seed).Next(pool.Count);
            picks.Add(new SelectedImage(first));
            Take(pool, nearest, scratch, first);
        }
        while (picks.Count < budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The farthest image not taken, lowest index on ties; duplicates of a centre are at 0 and are picked last.
            int farthest = TensorPrimitives.IndexOfMax(nearest);
            picks.Add(new SelectedImage(farthest, Distance: MathF.Sqrt(nearest[farthest])));
            Take(pool, nearest, scratch, farthest);
        }
        return new SelectionResult(Strategy, picks);
    }

    // Makes centre a centre: every image's nearest squared distance drops to its distance from centre where that is smaller.
    private static void Take(EmbeddingPool pool, float[] nearest, float[] scratch, int centre)
    {
        pool.Cover(centre, nearest, scratch);
        nearest[centre] = float.NegativeInfinity;
    }
}
