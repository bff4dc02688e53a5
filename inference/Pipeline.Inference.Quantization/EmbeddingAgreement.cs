using System.Numerics.Tensors;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// Compares two models' embeddings of the same images: how far each image's embedding turned (cosine), and whether
/// lookups among the images find the same nearest neighbours (see <see cref="PrecisionProof"/>).
/// </summary>
internal static class EmbeddingAgreement
{
    /// <summary>The agreement of <paramref name="variant"/> with <paramref name="reference"/>, both [N, <paramref name="dim"/>] row-major.</summary>
    /// <param name="data">The dataset the images came from, for the record.</param>
    /// <param name="reference">The source model's embeddings.</param>
    /// <param name="variant">The variant's embeddings of the same images, in the same order.</param>
    /// <param name="dim">D, floats per embedding.</param>
    /// <param name="neighbours">k, below N.</param>
    public static PrecisionProof Measure(string data, float[] reference, float[] variant, int dim, int neighbours)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (reference.Length != variant.Length || reference.Length % dim != 0)
        {
            throw new ArgumentException($"{reference.Length} and {variant.Length} floats are not two sets of the same [N, {dim}] embeddings.", nameof(variant));
        }
        int count = reference.Length / dim;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(neighbours);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(neighbours, count);

        float[] a = (float[])reference.Clone(), b = (float[])variant.Clone();
        UnitRows.Normalise(a, dim);
        UnitRows.Normalise(b, dim);
        double sum = 0, smallest = double.PositiveInfinity, shared = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> rowA = a.AsSpan(i * dim, dim), rowB = b.AsSpan(i * dim, dim);
            // Two zero embeddings agree; a zero and a non-zero one do not.
            double cosine = TensorPrimitives.Norm(rowA) == 0 && TensorPrimitives.Norm(rowB) == 0 ? 1 : TensorPrimitives.Dot(rowA, rowB);
            sum += cosine;
            smallest = Math.Min(smallest, cosine);
            shared += Nearest(a, i, dim, neighbours).Intersect(Nearest(b, i, dim, neighbours)).Count();
        }
        return new PrecisionProof(data, count, sum / count, smallest, neighbours, shared / ((double)count * neighbours));
    }

    // The k rows most similar to row i (itself left out), by cosine.
    private static int[] Nearest(float[] unitRows, int i, int dim, int k)
    {
        int count = unitRows.Length / dim;
        ReadOnlySpan<float> row = unitRows.AsSpan(i * dim, dim);
        float[] negatedScores = new float[count - 1];
        int[] others = new int[count - 1];
        for (int j = 0, n = 0; j < count; j++)
        {
            if (j != i)
            {
                negatedScores[n] = -TensorPrimitives.Dot(row, unitRows.AsSpan(j * dim, dim));
                others[n++] = j;
            }
        }
        Array.Sort(negatedScores, others);
        return others[..k];
    }
}
