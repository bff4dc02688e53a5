using System.Numerics.Tensors;
using Pipeline.Errors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// The unlabelled pool to choose from: one embedding per image, scaled to unit length, so that squared Euclidean
/// distance is 2 − 2 × cosine similarity (the geometry contrastive encoders are trained in).
/// </summary>
public sealed class EmbeddingPool
{
    private readonly float[] _rows;

    /// <summary>Copies <paramref name="embeddings"/> ([N, D] row-major) and scales every row to unit length.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="dim"/>.</exception>
    /// <exception cref="UserErrorException">A value is not finite: the encoder is broken for these images.</exception>
    public EmbeddingPool(ReadOnlySpan<float> embeddings, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (embeddings.Length % dim != 0)
        {
            throw new ArgumentException($"{embeddings.Length} values are not rows of {dim}.", nameof(embeddings));
        }
        if (!TensorPrimitives.IsFiniteAll(embeddings))
        {
            throw new UserErrorException("The embeddings hold a NaN or infinite value: the encoder is broken for these images.");
        }
        _rows = embeddings.ToArray();
        Dim = dim;
        Count = embeddings.Length / dim;
        UnitRows.Normalise(_rows, dim);
    }

    /// <summary>N, the number of images.</summary>
    public int Count { get; }

    /// <summary>D, the embedding width.</summary>
    public int Dim { get; }

    /// <summary>Every image's unit embedding, [N, D] row-major.</summary>
    public ReadOnlySpan<float> Rows => _rows;

    /// <summary>Image <paramref name="index"/>'s unit embedding.</summary>
    public ReadOnlySpan<float> Row(int index) => _rows.AsSpan(index * Dim, Dim);

    /// <summary>The Euclidean distance between images <paramref name="a"/> and <paramref name="b"/>.</summary>
    public float Distance(int a, int b) => TensorPrimitives.Distance(Row(a), Row(b));
}
