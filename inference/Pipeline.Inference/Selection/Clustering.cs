namespace Pipeline.Inference.Selection;

/// <summary>What <see cref="KMeans.Fit"/> found: each image's cluster and how the fit went.</summary>
/// <param name="Assignments">Per image of the pool, its cluster in [0, <paramref name="ClusterCount"/>).</param>
/// <param name="ClusterCount">k.</param>
/// <param name="Iterations">Lloyd iterations run.</param>
/// <param name="Converged">Whether the last iteration moved no image to another cluster.</param>
/// <param name="Inertia">The sum over images of the squared distance to their cluster's centroid.</param>
public sealed record Clustering(int[] Assignments, int ClusterCount, int Iterations, bool Converged, double Inertia)
{
    /// <summary>How many images each cluster holds.</summary>
    public int[] Sizes()
    {
        int[] sizes = new int[ClusterCount];
        foreach (int cluster in Assignments)
        {
            sizes[cluster]++;
        }
        return sizes;
    }
}
