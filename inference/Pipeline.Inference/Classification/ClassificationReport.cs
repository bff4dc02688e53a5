namespace Pipeline.Inference.Classification;

/// <summary>How well predictions match labels: accuracy, accuracy per class (its recall) and the confusion matrix.</summary>
/// <param name="ClassNames">The class names, indexing rows and columns.</param>
/// <param name="Count">Examples scored.</param>
/// <param name="Accuracy">Share of examples predicted right, in [0, 1].</param>
/// <param name="PerClassAccuracy">Per class name, the share of its examples predicted right; null for a class without examples.</param>
/// <param name="ConfusionMatrix">[actual][predicted] counts.</param>
public sealed record ClassificationReport(
    IReadOnlyList<string> ClassNames,
    int Count,
    double Accuracy,
    IReadOnlyDictionary<string, double?> PerClassAccuracy,
    int[][] ConfusionMatrix)
{
    /// <summary>Scores <paramref name="predicted"/> against <paramref name="actual"/>, both class indices.</summary>
    public static ClassificationReport From(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classNames);
        if (actual.Count != predicted.Count || actual.Count == 0)
        {
            throw new ArgumentException($"{predicted.Count} predictions for {actual.Count} labels: give one per example, at least one.");
        }
        int classes = classNames.Count;
        int[][] confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        for (int i = 0; i < actual.Count; i++)
        {
            if ((uint)actual[i] >= (uint)classes || (uint)predicted[i] >= (uint)classes)
            {
                throw new ArgumentException($"Example {i} has label {actual[i]} and prediction {predicted[i]}; there are {classes} classes.");
            }
            confusion[actual[i]][predicted[i]]++;
        }
        int correct = Enumerable.Range(0, classes).Sum(c => confusion[c][c]);
        var perClass = new Dictionary<string, double?>(StringComparer.Ordinal);
        for (int c = 0; c < classes; c++)
        {
            int total = confusion[c].Sum();
            perClass[classNames[c]] = total == 0 ? null : (double)confusion[c][c] / total;
        }
        return new ClassificationReport(classNames, actual.Count, (double)correct / actual.Count, perClass, confusion);
    }
}
