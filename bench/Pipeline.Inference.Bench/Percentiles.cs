namespace Pipeline.Inference.Bench;

/// <summary>Latency percentiles as the benchmarks report them.</summary>
public static class Percentiles
{
    /// <summary>The value below which <paramref name="fraction"/> of <paramref name="values"/> lie (nearest rank), or NaN when there are none.</summary>
    public static double NearestRank(IEnumerable<double> values, double fraction)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
