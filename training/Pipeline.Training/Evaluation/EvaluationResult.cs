namespace Pipeline.Training.Evaluation;

/// <summary>One evaluation of one checkpoint, as <c>evaluate --json</c> prints it and <c>eval/*.json</c> stores it.</summary>
/// <param name="Protocol">knn or linear.</param>
/// <param name="Labels">The label fraction as given: <c>1%</c>, <c>10%</c>, <c>100%</c> or a count.</param>
/// <param name="LabelledImages">Labelled training images the classifier saw.</param>
/// <param name="TestImages">Images scored.</param>
/// <param name="Accuracy">Fraction of test images classified correctly, in [0, 1].</param>
/// <param name="TrainData">Dataset URI of the labelled images.</param>
/// <param name="TestData">Dataset URI of the test images.</param>
/// <param name="Checkpoint">The checkpoint evaluated (null for a baseline without one).</param>
/// <param name="Step">Its training step.</param>
/// <param name="Method">The pretraining method, or <c>pixels</c> for the raw-pixel baseline (<see cref="PixelBaseline"/>).</param>
/// <param name="Encoder">The encoder architecture.</param>
/// <param name="Settings">The protocol's settings (k and T, or the probe's steps and C).</param>
/// <param name="Seconds">Wall time of the evaluation, embedding included.</param>
public sealed record EvaluationResult(
    string Protocol,
    string Labels,
    int LabelledImages,
    int TestImages,
    double Accuracy,
    string TrainData,
    string TestData,
    string? Checkpoint,
    long Step,
    string Method,
    string Encoder,
    IReadOnlyDictionary<string, double> Settings,
    double Seconds)
{
    /// <summary>
    /// The name its files share, file-safe: <c>&lt;protocol&gt;-&lt;labels&gt;</c> with <c>%</c> written <c>pct</c>
    /// (<c>knn-100pct</c>); <c>eval/</c> stores the result as <c>.json</c>, <see cref="EvaluationPredictions"/> its predictions as <c>.csv</c>.
    /// </summary>
    public string FileStem() => $"{Protocol}-{Labels.Replace("%", "pct", StringComparison.Ordinal)}";
}
