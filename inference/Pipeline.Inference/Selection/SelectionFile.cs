using System.Globalization;
using System.Text;
using Pipeline.Data;
using Pipeline.Runs;

namespace Pipeline.Inference.Selection;

/// <summary>
/// The list of images to label, as CSV: <c>id,rank,strategy,cluster,cluster_size,typicality,distance,margin,coverage_gain</c>, one row per
/// image in the order picked, empty cells where a strategy has no such reason. <see cref="ImageIdFile"/> reads it back, so
/// the file is also what <c>finetune --labels</c> and a later round's <c>--labelled</c> take.
/// </summary>
public static class SelectionFile
{
    /// <summary>The header row.</summary>
    public const string Header = "id,rank,strategy,cluster,cluster_size,typicality,distance,margin,coverage_gain";

    /// <summary>Writes <paramref name="selection"/>, naming image i by <paramref name="ids"/>[i], whole or not at all.</summary>
    public static void Write(string path, SelectionResult selection, IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder().Append(Header).Append('\n');
        string strategy = ImageSelection.NameOf(selection.Strategy);
        for (int rank = 0; rank < selection.Images.Count; rank++)
        {
            SelectedImage image = selection.Images[rank];
            text.Append(CultureInfo.InvariantCulture,
                $"{CsvFields.Quote(ids[image.Index])},{rank + 1},{strategy},{image.Cluster},{image.ClusterSize},{Number(image.Typicality)},{Number(image.Distance)},{Number(image.Margin)},{Number(image.CoverageGain)}\n");
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Number(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture) ?? "";
}
