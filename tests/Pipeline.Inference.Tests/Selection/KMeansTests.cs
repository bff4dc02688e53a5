using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

public sealed class KMeansTests
{
    [Fact]
    public void Fit_FindsSeparatedGroups_AndConverges()
    {
        (EmbeddingPool pool, int[] group, _) = Blobs.Make([40, 25, 60, 10]);

        Clustering clustering = KMeans.Fit(pool, 4, seed: 0);

        Assert.True(clustering.Converged);
        // Same group ⇔ same cluster, whatever the cluster numbering.
        for (int i = 0; i < pool.Count; i++)
        {
            for (int j = 0; j < pool.Count; j++)
            {
                Assert.Equal(group[i] == group[j], clustering.Assignments[i] == clustering.Assignments[j]);
            }
        }
        Assert.Equal([10, 25, 40, 60], clustering.Sizes().Order());
        Assert.InRange(clustering.Inertia, 0, pool.Count * 0.05 * 0.05 * Blobs.Dim);
    }

    [Fact]
    public void Fit_IsDeterministicForASeed()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([30, 30, 30, 30, 30], spread: 0.6f);

        Clustering first = KMeans.Fit(pool, 7, seed: 5);
        Clustering again = KMeans.Fit(pool, 7, seed: 5);

        Assert.Equal(first.Assignments, again.Assignments);
        Assert.Equal(first.Inertia, again.Inertia);
    }

    [Fact]
    public void Fit_WithAClusterPerImage_PutsEveryImageAlone()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([3, 3]);

        Clustering clustering = KMeans.Fit(pool, 6, seed: 1);

        Assert.Equal(Enumerable.Repeat(1, 6), clustering.Sizes());
        Assert.Equal(0, clustering.Inertia, 6);
    }

    [Fact]
    public void Fit_RefusesMoreClustersThanImages()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([2]);

        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(pool, 3, seed: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(pool, 0, seed: 0));
    }

    [Fact]
    public void Fit_StopsWhenCancelled()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([20, 20]);

        Assert.Throws<OperationCanceledException>(() => KMeans.Fit(pool, 2, seed: 0, cancellationToken: new CancellationToken(canceled: true)));
    }
}
