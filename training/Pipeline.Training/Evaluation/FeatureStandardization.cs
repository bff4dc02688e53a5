using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Per-dimension standardisation of a representation with the statistics of the training set — scikit-learn's
/// StandardScaler — which <see cref="EmbeddingEvaluation"/> applies to every representation before a classifier sees it,
/// so learned embeddings and raw pixels are scored by one procedure.
/// </summary>
/// <remarks>
/// It matters for the cosine kNN: without it, the dimensions with a large mean or spread (non-negative ReLU features
/// and grey levels alike) dominate every cosine similarity. The linear probe standardises its own input again and is
/// unaffected. The statistics are those of every training image, labelled or not, as a semi-supervised user has them.
/// </remarks>
public static class FeatureStandardization
{
    /// <summary>
    /// The training and test features standardised with the training features' mean and standard deviation per
    /// dimension; a dimension that never varies keeps standard deviation 1, so it becomes 0 rather than NaN.
    /// </summary>
    /// <param name="train">Features of the training images [N, D]; their statistics are used.</param>
    /// <param name="test">Features of the images to score [Q, D].</param>
    /// <exception cref="ArgumentException">The sets differ in width, or there are no training features.</exception>
    public static (Tensor Train, Tensor Test) Apply(Tensor train, Tensor test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.dim() != 2 || test.dim() != 2 || train.shape[1] != test.shape[1] || train.shape[0] < 1)
        {
            throw new ArgumentException(
                $"Standardisation needs training features [N ≥ 1, D] and test features [Q, D]: got [{string.Join(", ", train.shape)}] and [{string.Join(", ", test.shape)}].");
        }
        using var scope = NewDisposeScope();
        (Tensor std, Tensor mean) = train.std_mean(0, unbiased: false, keepdim: true);
        std = where(std.gt(1e-6), std, ones_like(std));
        return (scope.MoveToOuter(train.sub(mean).div_(std)), scope.MoveToOuter(test.sub(mean).div_(std)));
    }
}
