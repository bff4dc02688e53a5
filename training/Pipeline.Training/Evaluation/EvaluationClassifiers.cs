namespace Pipeline.Training.Evaluation;

/// <summary>
/// The classifiers an evaluation fits on labelled embeddings (or pixels), and whether their hyper-parameters are
/// chosen first on held-out labelled images, so that every representation is scored by its own best k and C.
/// </summary>
/// <param name="Knn">The kNN classifier; with <paramref name="Tune"/> its temperature is kept and k is chosen.</param>
/// <param name="Probe">The linear probe; with <paramref name="Tune"/> its steps and learning rate are kept and C is chosen.</param>
/// <param name="Tune">
/// Choose k from <see cref="KCandidates"/> and C from <see cref="CCandidates"/> by accuracy on a stratified
/// <see cref="ValidationFraction"/> of the labelled images, fitting on the rest, then fit on every labelled image with
/// the choice. The test images are never seen before the final score.
/// </param>
public sealed record EvaluationClassifiers(KnnClassifier Knn, LinearProbe Probe, bool Tune = false)
{
    /// <summary>The share of the labelled images held out to choose k or C.</summary>
    public const double ValidationFraction = 0.2;

    /// <summary>The k tried: from scikit-learn's neighbourhoods (5–20) to lightly's and solo-learn's monitor (200).</summary>
    public static IReadOnlyList<int> KCandidates { get; } = [5, 10, 20, 50, 100, 200];

    /// <summary>The C tried: scikit-learn's default (1) and two decades either side.</summary>
    public static IReadOnlyList<double> CCandidates { get; } = [0.01, 0.1, 1, 10, 100];
}
