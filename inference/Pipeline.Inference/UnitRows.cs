using System.Numerics.Tensors;

namespace Pipeline.Inference;

/// <summary>
/// Scales embeddings to unit length, row by row, so that a dot product is a cosine similarity (the geometry contrastive
/// encoders are trained in). A zero row stays zero: it is far from every unit row.
/// </summary>
internal static class UnitRows
{
    /// <summary>Scales every row of <paramref name="rows"/> ([N, <paramref name="dim"/>] row-major) to unit length, in place.</summary>
    public static void Normalise(Span<float> rows, int dim)
    {
        for (int start = 0; start < rows.Length; start += dim)
        {
            Span<float> row = rows.Slice(start, dim);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }
}
