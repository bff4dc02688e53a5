namespace Pipeline.Inference.Selection;

/// <summary>
/// TypiClust (Hacohen, Dekel and Weinshall, "Active Learning on a Budget: Opposite Strategies Suit High and Low
/// Budgets", ICML 2022): with few labels, label the most typical image of each dense region of the embedding space.
/// </summary>
/// <remarks>
/// <para>The pool is clustered by <see cref="KMeans"/> into (labelled + budget) clusters, at most
/// <see cref="MaxClusters"/>. Each pick takes, among clusters larger than <see cref="MinClusterSize"/> that still have
/// unlabelled images, the one with the fewest labelled-or-picked images (then the largest, then the lowest id), and from
/// it the unlabelled image of highest typicality: 1 / (mean Euclidean distance to its
/// min(<see cref="Neighbours"/>, m / 2) nearest unlabelled images of the cluster + 1e-5), as the paper's code does.
/// Clusters of at most <see cref="MinClusterSize"/> images are used only when no larger one has images left.</para>
/// <para>A cluster of more than <see cref="MaxReferenceImages"/> candidates (budgets of a few images on a large pool)
/// measures distances to a seeded sample of that many of them instead of to all, which keeps the cost at most
/// m × <see cref="MaxReferenceImages"/> distances.</para>
/// </remarks>
public sealed class TypiclustSelector : IImageSelector
{
    /// <summary>The paper's cap on k-means clusters.</summary>
    public const int MaxClusters = 500;

    /// <summary>Clusters of at most this many images are set aside (the paper's outlier guard).</summary>
    public const int MinClusterSize = 5;

    /// <summary>Neighbours whose mean distance measures typicality.</summary>
    public const int Neighbours = 20;

    /// <summary>The most images of one cluster typicality is measured against.</summary>
    public const int MaxReferenceImages = 10_000;

    private const double DistanceFloor = 1e-5;

    // Typicality is measured for blocks of this many members against chunks of this many reference images (256 KB of
    // embeddings of 256 floats), so that a chunk stays in cache while the block reads it.
    private const int MemberBlock = 32;
    private const int ReferenceChunk = 256;

    public SelectionStrategy Strategy => SelectionStrategy.Typiclust;

    public SelectionResult Select(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed,
        CancellationToken cancellationToken = default)
    {
        ImageSelection.Validate(pool, budget, labelled);
        int clusterCount = Math.Min(Math.Min(labelled.Count + budget, MaxClusters), pool.Count);
        Clustering clustering = KMeans.Fit(pool, clusterCount, seed, cancellationToken: cancellationToken);
        int[] sizes = clustering.Sizes();
        int[] covered = new int[clusterCount];
        var candidates = new List<int>[clusterCount];
        for (int c = 0; c < clusterCount; c++)
        {
            candidates[c] = [];
        }
        for (int i = 0; i < pool.Count; i++)
        {
            int cluster = clustering.Assignments[i];
            if (labelled.Contains(i))
            {
                covered[cluster]++;
            }
            else
            {
                candidates[cluster].Add(i);
            }
        }

        var random = new Random(seed);
        var picks = new List<SelectedImage>(budget);
        while (picks.Count < budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int cluster = NextCluster(sizes, covered, candidates);
            List<int> members = candidates[cluster];
            (int position, double? typicality) = MostTypical(pool, members, random);
            picks.Add(new SelectedImage(members[position], cluster, sizes[cluster], typicality));
            members.RemoveAt(position);
            covered[cluster]++;
        }
        return new SelectionResult(Strategy, picks, clustering);
    }

    // The cluster with unlabelled images and the fewest labels, then the largest, then the lowest id; clusters of at most
    // MinClusterSize images only when no larger one has images left.
    private static int NextCluster(int[] sizes, int[] covered, List<int>[] candidates)
    {
        int best = -1;
        foreach (bool allowSmall in (ReadOnlySpan<bool>)[false, true])
        {
            for (int c = 0; c < sizes.Length; c++)
            {
                if (candidates[c].Count == 0 || (!allowSmall && sizes[c] <= MinClusterSize))
                {
                    continue;
                }
                if (best < 0 || covered[c] < covered[best] || (covered[c] == covered[best] && sizes[c] > sizes[best]))
                {
                    best = c;
                }
            }
            if (best >= 0)
            {
                return best;
            }
        }
        throw new InvalidOperationException("No cluster has unlabelled images left, though the budget was checked against the pool.");
    }

    // The position in members of the most typical image (lowest position on ties), and its typicality; a cluster with one
    // image left has no neighbours to measure it by.
    private static (int Position, double? Typicality) MostTypical(EmbeddingPool pool, List<int> members, Random random)
    {
        if (members.Count == 1)
        {
            return (0, null);
        }
        int neighbours = Math.Min(Neighbours, members.Count / 2);
        int[] reference = members.ToArray();
        if (reference.Length > MaxReferenceImages)
        {
            random.Shuffle(reference);
            reference = reference[..MaxReferenceImages];
        }
        // The reference images side by side, so that a chunk of them is read from cache by a whole block of members.
        int dim = pool.Dim;
        float[] referenceRows = new float[reference.Length * dim];
        float[] referenceNorms = new float[reference.Length];
        for (int r = 0; r < reference.Length; r++)
        {
            pool.Row(reference[r]).CopyTo(referenceRows.AsSpan(r * dim, dim));
            referenceNorms[r] = pool.SquaredNorms[reference[r]];
        }
        double[] meanDistance = new double[members.Count];
        ParallelRows.ForBlocks(members.Count, MemberBlock, (start, end) =>
            MeanNearestDistances(pool, members, start, end, reference, referenceRows, referenceNorms, neighbours, meanDistance));
        int best = 0;
        for (int m = 1; m < meanDistance.Length; m++)
        {
            if (meanDistance[m] < meanDistance[best])
            {
                best = m;
            }
        }
        return (best, 1 / (meanDistance[best] + DistanceFloor));
    }

    // For members[start..end): the mean distance to its k nearest images of reference (itself excluded), into
    // meanDistance. Squared distances to a chunk of the reference for each member of the block in turn; the k smallest of
    // each member kept sorted as the chunks go by.
    private static void MeanNearestDistances(EmbeddingPool pool, List<int> members, int start, int end, int[] reference,
        float[] referenceRows, float[] referenceNorms, int k, double[] meanDistance)
    {
        int dim = pool.Dim;
        float[] nearest = new float[(end - start) * k];
        Array.Fill(nearest, float.PositiveInfinity);
        float[] squared = new float[ReferenceChunk];
        for (int chunk = 0; chunk < reference.Length; chunk += ReferenceChunk)
        {
            int length = Math.Min(ReferenceChunk, reference.Length - chunk);
            Span<float> distances = squared.AsSpan(0, length);
            for (int m = start; m < end; m++)
            {
                int image = members[m];
                SquaredDistances.ToRows(referenceRows.AsSpan(chunk * dim, length * dim), referenceNorms.AsSpan(chunk, length),
                    pool.Row(image), pool.SquaredNorms[image], distances);
                KeepSmallest(distances, reference.AsSpan(chunk, length), image, nearest.AsSpan((m - start) * k, k));
            }
        }
        for (int m = start; m < end; m++)
        {
            double sum = 0;
            foreach (float squaredDistance in nearest.AsSpan((m - start) * k, k))
            {
                sum += MathF.Sqrt(squaredDistance);
            }
            meanDistance[m] = sum / k;
        }
    }

    // Inserts each of distances (to the images ids, image itself skipped) that is among the smallest into nearest, kept sorted.
    private static void KeepSmallest(ReadOnlySpan<float> distances, ReadOnlySpan<int> ids, int image, Span<float> nearest)
    {
        int k = nearest.Length;
        for (int j = 0; j < distances.Length; j++)
        {
            float distance = distances[j];
            if (distance >= nearest[k - 1] || ids[j] == image)
            {
                continue;
            }
            int at = k - 1;
            while (at > 0 && nearest[at - 1] > distance)
            {
                nearest[at] = nearest[at - 1];
                at--;
            }
            nearest[at] = distance;
        }
    }
}
