namespace Pipeline.Inference.Bench;

/// <summary>What one load run measured: embeddings per second and request latencies.</summary>
public sealed record LoadResult(string Path, int Clients, int Requests, double Seconds, double[] LatenciesMs)
{
    public double EmbeddingsPerSecond => Requests / Seconds;

    /// <summary>The latency below which <paramref name="fraction"/> of requests finished (nearest rank).</summary>
    public double Percentile(double fraction) => Percentiles.NearestRank(LatenciesMs, fraction);
}
