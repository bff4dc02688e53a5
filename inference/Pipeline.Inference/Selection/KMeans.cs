using System.Numerics.Tensors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// k-means on an <see cref="EmbeddingPool"/>: k-means++ seeding (Arthur and Vassilvitskii, 2007) and Lloyd iterations
/// until no image changes cluster or the iteration limit. Deterministic for a seed, whatever the number of threads:
/// every image's nearest centroid is computed on its own and centroids are summed in image order.
/// </summary>
public static class KMeans
{
    /// <summary>Lloyd iterations at most; 60,000 images in 500 clusters mostly settle well before it.</summary>
    public const int DefaultMaxIterations = 50;

    /// <summary>Clusters <paramref name="pool"/> into <paramref name="clusterCount"/> groups.</summary>
    /// <param name="pool">The images.</param>
    /// <param name="clusterCount">k, from 1 to the number of images.</param>
    /// <param name="seed">Seeds the k-means++ draws.</param>
    /// <param name="maxIterations">Lloyd iterations at most.</param>
    /// <param name="cancellationToken">Checked between iterations and while seeding.</param>
    public static Clustering Fit(EmbeddingPool pool, int clusterCount, int seed, int maxIterations = DefaultMaxIterations,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clusterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clusterCount, pool.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);

        float[] centroids = SeedCentroids(pool, clusterCount, new Random(seed), cancellationToken);
        int[] assignments = new int[pool.Count];
        float[] distances = new float[pool.Count];
        bool converged = false;
        int iteration = 0;
        while (iteration < maxIterations && !converged)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iteration++;
            converged = Assign(pool, centroids, clusterCount, assignments, distances, firstPass: iteration == 1) == 0 && iteration > 1;
            UpdateCentroids(pool, assignments, distances, centroids, clusterCount);
        }
        if (!converged)
        {
            // The centroids moved after the last assignment: assign once more so that every image is with its nearest.
            Assign(pool, centroids, clusterCount, assignments, distances, firstPass: false);
        }
        double inertia = 0;
        foreach (float distance in distances)
        {
            inertia += distance;
        }
        return new Clustering(assignments, clusterCount, iteration, converged, inertia);
    }

    // k-means++: the first centroid is a uniformly drawn image, each next one an image drawn with probability
    // proportional to its squared distance to the nearest centroid so far.
    private static float[] SeedCentroids(EmbeddingPool pool, int clusterCount, Random random, CancellationToken cancellationToken)
    {
        int dim = pool.Dim;
        float[] centroids = new float[clusterCount * dim];
        float[] nearest = new float[pool.Count];
        float[] scratch = new float[pool.Count];
        Array.Fill(nearest, float.PositiveInfinity);
        int chosen = random.Next(pool.Count);
        for (int c = 0; c < clusterCount; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pool.Row(chosen).CopyTo(centroids.AsSpan(c * dim, dim));
            pool.Cover(chosen, nearest, scratch);
            if (c + 1 < clusterCount)
            {
                chosen = DrawProportional(nearest, random);
            }
        }
        return centroids;
    }

    // An index drawn with probability proportional to its weight; when every weight is 0 (fewer distinct images than
    // clusters), the first index not yet a centroid is not known here, so a uniform draw stands in.
    private static int DrawProportional(float[] weights, Random random)
    {
        double total = 0;
        foreach (float weight in weights)
        {
            total += weight;
        }
        if (!(total > 0))
        {
            return random.Next(weights.Length);
        }
        double target = random.NextDouble() * total;
        double running = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            running += weights[i];
            if (running > target && weights[i] > 0)
            {
                return i;
            }
        }
        return Array.FindLastIndex(weights, weight => weight > 0);
    }

    // Moves every image to its nearest centroid; returns how many changed cluster. ||x − c||² = ||x||² + ||c||² − 2 x·c,
    // and ||x||² is the same for every centroid, so the nearest is the one with the smallest ||c||² − 2 x·c.
    private static int Assign(EmbeddingPool pool, float[] centroids, int clusterCount, int[] assignments, float[] distances, bool firstPass)
    {
        int dim = pool.Dim;
        float[] centroidNorms = new float[clusterCount];
        for (int c = 0; c < clusterCount; c++)
        {
            ReadOnlySpan<float> centroid = centroids.AsSpan(c * dim, dim);
            centroidNorms[c] = TensorPrimitives.Dot(centroid, centroid);
        }
        bool[] moved = new bool[pool.Count];
        ParallelRows.For(pool.Count, i =>
        {
            ReadOnlySpan<float> row = pool.Row(i);
            int best = 0;
            float bestScore = float.PositiveInfinity;
            for (int c = 0; c < clusterCount; c++)
            {
                float score = centroidNorms[c] - 2 * TensorPrimitives.Dot(row, centroids.AsSpan(c * dim, dim));
                if (score < bestScore)
                {
                    bestScore = score;
                    best = c;
                }
            }
            distances[i] = Math.Max(0, TensorPrimitives.Dot(row, row) + bestScore);
            moved[i] = firstPass || assignments[i] != best;
            assignments[i] = best;
        });
        return moved.Count(m => m);
    }

    // Centroids become the mean of their images, summed in image order. A cluster left empty takes the image farthest
    // from its centroid (lowest index on ties), which then leaves its cluster's distance sum.
    private static void UpdateCentroids(EmbeddingPool pool, int[] assignments, float[] distances, float[] centroids, int clusterCount)
    {
        int dim = pool.Dim;
        Array.Clear(centroids);
        int[] sizes = new int[clusterCount];
        for (int i = 0; i < pool.Count; i++)
        {
            Span<float> centroid = centroids.AsSpan(assignments[i] * dim, dim);
            TensorPrimitives.Add(centroid, pool.Row(i), centroid);
            sizes[assignments[i]]++;
        }
        for (int c = 0; c < clusterCount; c++)
        {
            Span<float> centroid = centroids.AsSpan(c * dim, dim);
            if (sizes[c] > 0)
            {
                TensorPrimitives.Divide(centroid, sizes[c], centroid);
                continue;
            }
            int farthest = TensorPrimitives.IndexOfMax(distances);
            pool.Row(farthest).CopyTo(centroid);
            distances[farthest] = 0;
        }
    }
}
