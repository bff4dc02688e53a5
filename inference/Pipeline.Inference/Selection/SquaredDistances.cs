using System.Numerics.Tensors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// Squared Euclidean distances from one embedding to a block of others, from dot products:
/// ||a − b||² = ||a||² + ||b||² − 2 a·b. A block is one <see cref="TensorPrimitives.Dot"/> per row over contiguous memory
/// and the norms kept beside the rows, instead of a difference, a square, a sum and a square root per pair; selection
/// compares squared distances, which order as distances do.
/// </summary>
internal static class SquaredDistances
{
    /// <summary>
    /// destination[i] = ||rows[i] − vector||² for the first destination.Length rows of <paramref name="rows"/> (row-major,
    /// vector.Length floats each), whose squared norms are <paramref name="rowSquaredNorms"/>. Never below 0: rounding can
    /// take a duplicate's just under.
    /// </summary>
    public static void ToRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> rowSquaredNorms, ReadOnlySpan<float> vector,
        float vectorSquaredNorm, Span<float> destination)
    {
        int dim = vector.Length;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Math.Max(0f, rowSquaredNorms[i] - 2 * TensorPrimitives.Dot(rows.Slice(i * dim, dim), vector) + vectorSquaredNorm);
        }
    }
}
