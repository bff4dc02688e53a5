using System.Globalization;
using Pipeline.Training.Evaluation;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class EvaluationPredictionsTests
{
    private static EvaluationResult Result(string labels, int testImages, double accuracy) => new(
        "knn", labels, 100, testImages, accuracy, "fashion-mnist:train", "fashion-mnist:test", null, 0, "pixels", "none",
        new Dictionary<string, double>(), 1);

    /// <summary>
    /// The true labels and the predictions of a predictions file, checking its header and that row i is test image i.
    /// </summary>
    internal static (int[] Labels, int[] Predictions) Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(EvaluationPredictions.Header, lines[0]);
        int[][] rows = [.. lines.Skip(1).Select(line => line.Split(',').Select(cell => int.Parse(cell, CultureInfo.InvariantCulture)).ToArray())];
        Assert.All(rows, row => Assert.Equal(3, row.Length));
        Assert.Equal(Enumerable.Range(0, rows.Length), rows.Select(row => row[0]));
        return ([.. rows.Select(row => row[1])], [.. rows.Select(row => row[2])]);
    }

    /// <summary>The fraction of a predictions file's rows whose prediction is the true label.</summary>
    internal static double Accuracy(string path)
    {
        (int[] labels, int[] predictions) = Read(path);
        return (double)labels.Zip(predictions).Count(pair => pair.First == pair.Second) / labels.Length;
    }

    [Fact]
    public void FileName_IsTheEvalJsonsName_WithPercentWrittenPct()
    {
        Assert.Equal("knn-100pct.csv", EvaluationPredictions.FileName(Result("100%", 1, 1)));
        Assert.Equal("knn-600.csv", EvaluationPredictions.FileName(Result("600", 1, 1)));
    }

    [Fact]
    public void Write_OneRowPerTestImageInOrder_IntoAFolderItCreates_WithNothingElseLeftThere()
    {
        using var folder = new TempDirectory();
        string directory = Path.Combine(folder.Path, "predictions", "encoder");

        string path = EvaluationPredictions.Write(directory, Result("10%", 4, 0.5), [3, 1, 4, 1], [3, 2, 4, 0]);

        Assert.Equal(Path.Combine(directory, "knn-10pct.csv"), path);
        Assert.Equal(["index,label,prediction", "0,3,3", "1,1,2", "2,4,4", "3,1,0"], File.ReadAllLines(path));
        Assert.Equal([path], Directory.GetFiles(directory));
        Assert.Equal(0.5, Accuracy(path));
    }

    [Fact]
    public void Write_AsManyPredictionsAsLabels_IsRequired()
    {
        using var folder = new TempDirectory();

        var error = Assert.Throws<ArgumentException>(() => EvaluationPredictions.Write(folder.Path, Result("100%", 3, 1), [0, 1, 2], [0, 1]));

        Assert.Contains("2 predictions for 3 labels", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }
}
