using System.Numerics.Tensors;

namespace Pipeline.Inference.Search;

/// <summary>
/// Per-dimension standardisation of embeddings, (x − mean) / scale, with statistics fixed once — scikit-learn's
/// StandardScaler, as the training side's kNN evaluation applies it — so that an <see cref="EmbeddingIndex"/> compares
/// directions in a space where no dimension dominates by its mean or its spread.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class VectorStandardization
{
    // A dimension whose standard deviation is below this does not vary: it keeps scale 1, so it becomes 0 rather than NaN
    // (the training side's FeatureStandardization draws the same line).
    private const double ConstantBelow = 1e-6;

    private readonly float[] _mean;
    private readonly float[] _scale;

    /// <summary>A standardisation with the given statistics, <paramref name="mean"/>.Length dimensions.</summary>
    /// <param name="mean">Subtracted from each dimension.</param>
    /// <param name="scale">Each dimension is divided by it: the standard deviation, positive.</param>
    /// <exception cref="ArgumentException">The arrays are empty or differ in length, a value is not finite, or a scale is not positive.</exception>
    public VectorStandardization(IReadOnlyList<float> mean, IReadOnlyList<float> scale)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        if (mean.Count == 0 || mean.Count != scale.Count)
        {
            throw new ArgumentException($"A standardisation needs as many scales as means, at least one: got {mean.Count} means and {scale.Count} scales.", nameof(scale));
        }
        _mean = [.. mean];
        _scale = [.. scale];
        if (!TensorPrimitives.IsFiniteAll<float>(_mean))
        {
            throw new ArgumentException("A mean is NaN or infinite.", nameof(mean));
        }
        int bad = Array.FindIndex(_scale, value => !float.IsFinite(value) || value <= 0);
        if (bad >= 0)
        {
            throw new ArgumentException($"scale[{bad}] is {_scale[bad]}: a scale is a finite positive number.", nameof(scale));
        }
    }

    /// <summary>D, the number of dimensions.</summary>
    public int Dim => _mean.Length;

    /// <summary>The mean of each dimension, subtracted first.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The standard deviation of each dimension (1 for one that never varies), divided by second.</summary>
    public IReadOnlyList<float> Scale => _scale;

    /// <summary>
    /// The statistics of <paramref name="rows"/> ([N, <paramref name="dim"/>] row-major): each dimension's mean and
    /// population standard deviation (computed in doubles), 1 for a dimension that never varies.
    /// </summary>
    /// <exception cref="ArgumentException">There is no row, the floats are not whole rows, or a value is not finite.</exception>
    public static VectorStandardization Fit(ReadOnlySpan<float> rows, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (rows.IsEmpty || rows.Length % dim != 0)
        {
            throw new ArgumentException($"{rows.Length} floats are not one or more rows of {dim}: statistics need at least one vector.", nameof(rows));
        }
        int count = rows.Length / dim;
        double[] sum = new double[dim];
        for (int start = 0; start < rows.Length; start += dim)
        {
            ReadOnlySpan<float> row = rows.Slice(start, dim);
            for (int d = 0; d < dim; d++)
            {
                sum[d] += row[d];
            }
        }
        double[] mean = [.. sum.Select(total => total / count)];
        // Two passes: the squared deviations from the mean, not E[x²] − E[x]², which cancels badly for large means.
        double[] squares = new double[dim];
        for (int start = 0; start < rows.Length; start += dim)
        {
            ReadOnlySpan<float> row = rows.Slice(start, dim);
            for (int d = 0; d < dim; d++)
            {
                double deviation = row[d] - mean[d];
                squares[d] += deviation * deviation;
            }
        }
        double[] std = [.. squares.Select(total => Math.Sqrt(total / count))];
        return new VectorStandardization(
            [.. mean.Select(value => (float)value)],
            [.. std.Select(value => value < ConstantBelow ? 1f : (float)value)]);
    }

    /// <summary>Standardises every row of <paramref name="rows"/> ([N, <see cref="Dim"/>] row-major), in place.</summary>
    /// <exception cref="ArgumentException">The floats are not whole rows of <see cref="Dim"/>.</exception>
    public void Apply(Span<float> rows)
    {
        if (rows.Length % Dim != 0)
        {
            throw new ArgumentException($"{rows.Length} floats are not rows of {Dim}.", nameof(rows));
        }
        for (int start = 0; start < rows.Length; start += Dim)
        {
            Span<float> row = rows.Slice(start, Dim);
            TensorPrimitives.Subtract(row, _mean, row);
            TensorPrimitives.Divide(row, _scale, row);
        }
    }
}
