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
    private readonly float[] _squaredNorms;

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
        // 1 within rounding (0 for a zero row): distances from dot products take the norms as they are.
        _squaredNorms = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            _squaredNorms[i] = TensorPrimitives.SumOfSquares(Row(i));
        }
    }

    /// <summary>N, the number of images.</summary>
    public int Count { get; }

    /// <summary>D, the embedding width.</summary>
    public int Dim { get; }

    /// <summary>Every image's unit embedding, [N, D] row-major.</summary>
    public ReadOnlySpan<float> Rows => _rows;

    /// <summary>Image <paramref name="index"/>'s unit embedding.</summary>
    public ReadOnlySpan<float> Row(int index) => _rows.AsSpan(index * Dim, Dim);

    /// <summary>Every image's squared norm, [N]: 1 within rounding, 0 for a zero embedding.</summary>
    internal ReadOnlySpan<float> SquaredNorms => _squaredNorms;

    /// <summary>
    /// Lowers nearest[i] to the squared distance from image i to image <paramref name="centre"/> wherever that is smaller,
    /// for every image: the step k-center and k-means++ take for each new centre. In parallel blocks of images, each a run
    /// of dot products against the centre (<see cref="SquaredDistances"/>) into its part of <paramref name="scratch"/>,
    /// then a vector minimum.
    /// </summary>
    /// <param name="centre">The new centre.</param>
    /// <param name="nearest">[N] squared distances to the nearest centre so far.</param>
    /// <param name="scratch">[N] floats to work in.</param>
    internal void Cover(int centre, float[] nearest, float[] scratch) => ParallelRows.ForBlocks(Count, (start, end) =>
    {
        int length = end - start;
        Span<float> distances = scratch.AsSpan(start, length);
        SquaredDistances.ToRows(_rows.AsSpan(start * Dim, length * Dim), _squaredNorms.AsSpan(start, length), Row(centre),
            _squaredNorms[centre], distances);
        TensorPrimitives.Min(nearest.AsSpan(start, length), distances, nearest.AsSpan(start, length));
    });

    /// <summary>The Euclidean distance between images <paramref name="a"/> and <paramref name="b"/>.</summary>
    public float Distance(int a, int b) => TensorPrimitives.Distance(Row(a), Row(b));
}
