using System.Globalization;
using System.Text;
using Pipeline.Runs;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Each test image's predicted class for one evaluation, as CSV: <c>index,label,prediction</c>, one row per test image in
/// test-set order — what pairs two representations image by image (McNemar's test) where accuracies alone cannot.
/// </summary>
public static class EvaluationPredictions
{
    /// <summary>The header row.</summary>
    public const string Header = "index,label,prediction";

    /// <summary>The file of <paramref name="result"/>'s predictions: <c>&lt;protocol&gt;-&lt;labels&gt;.csv</c>, named as <c>eval/</c> names its JSON (<c>knn-100pct.csv</c>).</summary>
    public static string FileName(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return $"{result.FileStem()}.csv";
    }

    /// <summary>
    /// Writes <paramref name="result"/>'s predictions to <see cref="FileName"/> in <paramref name="directory"/>, whole or not
    /// at all, creating the folder; returns the file's path.
    /// </summary>
    /// <param name="directory">The folder of the predictions files.</param>
    /// <param name="result">The evaluation the predictions belong to (it names the file).</param>
    /// <param name="testLabels">Each test image's true class, in test-set order.</param>
    /// <param name="predictions">Each test image's predicted class, in the same order.</param>
    /// <exception cref="ArgumentException">There are not as many predictions as labels, or not as many as the result scored.</exception>
    public static string Write(string directory, EvaluationResult result, IReadOnlyList<int> testLabels, IReadOnlyList<int> predictions)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(testLabels);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count != testLabels.Count || predictions.Count != result.TestImages)
        {
            throw new ArgumentException(
                $"{predictions.Count} predictions for {testLabels.Count} labels and {result.TestImages} test images: one of each per image.", nameof(predictions));
        }
        var text = new StringBuilder().Append(Header).Append('\n');
        for (int index = 0; index < predictions.Count; index++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{index},{testLabels[index]},{predictions[index]}\n");
        }
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName(result));
        AtomicFile.WriteAllText(path, text.ToString());
        return path;
    }
}
