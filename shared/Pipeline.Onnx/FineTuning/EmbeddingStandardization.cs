namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// The fixed per-feature standardisation z = (h − mean) / std the head applies to the embedding before its first layer,
/// with the labelled images' statistics, as the linear-evaluation protocol does: an embedding whose features differ
/// in scale by orders of magnitude then trains in a few hundred steps instead of stalling.
/// </summary>
/// <remarks>
/// The statistics are constants of the graphs, measured once on the embeddings of the labelled images before
/// training. When encoder layers train too, the embedding moves but the standardisation stays what it was: a fixed
/// affine map the inference model applies as well.
/// </remarks>
/// <param name="Mean">Per feature, the mean embedding value.</param>
/// <param name="Std">Per feature, the standard deviation (population); 1 where a feature is constant.</param>
public sealed record EmbeddingStandardization(float[] Mean, float[] Std)
{
    /// <summary>Standard deviations at or below this are taken as a constant feature and left unscaled.</summary>
    public const double ConstantFeatureStd = 1e-6;

    /// <summary>Measures the statistics of <paramref name="embeddings"/>, [N, <paramref name="dim"/>] row-major, N ≥ 1.</summary>
    public static EmbeddingStandardization Measure(ReadOnlySpan<float> embeddings, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        int count = embeddings.Length / dim;
        if (count == 0 || embeddings.Length != count * dim)
        {
            throw new ArgumentException($"{embeddings.Length} floats are not one or more embeddings of {dim}.", nameof(embeddings));
        }
        double[] sum = new double[dim], squares = new double[dim];
        for (int n = 0; n < count; n++)
        {
            for (int d = 0; d < dim; d++)
            {
                double value = embeddings[n * dim + d];
                sum[d] += value;
                squares[d] += value * value;
            }
        }
        float[] mean = new float[dim], std = new float[dim];
        for (int d = 0; d < dim; d++)
        {
            double m = sum[d] / count;
            double s = Math.Sqrt(Math.Max(0, squares[d] / count - m * m));
            mean[d] = (float)m;
            std[d] = s > ConstantFeatureStd ? (float)s : 1f;
        }
        return new EmbeddingStandardization(mean, std);
    }

    /// <summary>Throws unless both vectors have <paramref name="dim"/> finite values and every std is positive.</summary>
    public void Validate(long dim)
    {
        if (Mean.Length != dim || Std.Length != dim)
        {
            throw new ArgumentException($"The standardisation has {Mean.Length} means and {Std.Length} deviations for a {dim}-wide embedding.");
        }
        if (Mean.Any(value => !float.IsFinite(value)) || Std.Any(value => !(value > 0) || !float.IsFinite(value)))
        {
            throw new ArgumentException("The standardisation's means must be finite and its deviations positive and finite.");
        }
    }
}
