using System.Numerics.Tensors;

namespace Pipeline.Inference;

/// <summary>
/// Scales embeddings to unit length, row by row, so that a dot product is a cosine similarity (the geometry contrastive
/// encoders are trained in). A zero row stays zero: it is far from every unit row. A row already of unit length (to float
/// precision) is kept as it is, so scaling twice changes nothing: an index saved and loaded again holds the same bits.
/// </summary>
internal static class UnitRows
{
    // Well above the rounding a division by the norm and a float norm of a few hundred values leave, far below any
    // difference between cosines that matters.
    private const float UnitTolerance = 1e-5f;

    /// <summary>Scales every row of <paramref name="rows"/> ([N, <paramref name="dim"/>] row-major) to unit length, in place.</summary>
    public static void Normalise(Span<float> rows, int dim)
    {
        for (int start = 0; start < rows.Length; start += dim)
        {
            Span<float> row = rows.Slice(start, dim);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0 && Math.Abs(norm - 1) > UnitTolerance)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }
}
