using System.Globalization;
using Pipeline.Runs;
using ScottPlot;

namespace Pipeline.Figures;

/// <summary>Charts drawn with ScottPlot as PNG files of one size, and the maps of embeddings both CLIs draw.</summary>
public static class Charts
{
    /// <summary>Width of every chart in pixels.</summary>
    public const int Width = 800;

    /// <summary>Height of every chart in pixels.</summary>
    public const int Height = 450;

    /// <summary>Marked points on a map are numbered when there are at most this many.</summary>
    public const int NumberedMarks = 50;

    /// <summary>The colours of series and classes, in order (ScottPlot's Category10).</summary>
    public static IPalette Palette { get; } = new ScottPlot.Palettes.Category10();

    /// <summary>
    /// Points in two dimensions, coloured by class with a legend of class names (one colour when unlabelled: grey under
    /// marks); the points <paramref name="marked"/> lists, when given, are drawn over them as large black dots, in the
    /// legend as <paramref name="markedName"/>, and numbered 1, 2, … in their order when there are at most
    /// <see cref="NumberedMarks"/>.
    /// </summary>
    public static void Map(string path, double[] xs, double[] ys, int[]? labels, IReadOnlyList<string> classNames,
        string title, string xLabel, string yLabel, IReadOnlyList<int>? marked = null, string markedName = "marked")
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(classNames);
        if (xs.Length != ys.Length || (labels is not null && labels.Length != xs.Length))
        {
            throw new ArgumentException($"A map needs as many x, y and labels: got {xs.Length}, {ys.Length} and {labels?.Length}.");
        }
        if (marked?.FirstOrDefault(index => (uint)index >= (uint)xs.Length, -1) is int outside and >= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(marked), outside, $"A map of {xs.Length} points cannot mark point {outside}.");
        }
        var plot = new Plot();
        if (labels is null)
        {
            plot.Add.ScatterPoints(xs, ys, marked is null ? Palette.GetColor(0) : Colors.Gray.WithAlpha(0.5)).MarkerSize = 3;
        }
        else
        {
            int classes = Math.Max(classNames.Count, labels.Length == 0 ? 0 : labels.Max() + 1);
            var colours = new ScottPlot.Palettes.Category20();
            for (int label = 0; label < classes; label++)
            {
                int[] members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == label).ToArray();
                if (members.Length == 0)
                {
                    continue;
                }
                var points = plot.Add.ScatterPoints(members.Select(i => xs[i]).ToArray(), members.Select(i => ys[i]).ToArray(),
                    classes <= 10 ? Palette.GetColor(label) : colours.GetColor(label));
                points.MarkerSize = 3;
                points.LegendText = label < classNames.Count ? classNames[label] : label.ToString(CultureInfo.InvariantCulture);
            }
        }
        if (marked is { Count: > 0 })
        {
            double[] markedXs = marked.Select(index => xs[index]).ToArray();
            double[] markedYs = marked.Select(index => ys[index]).ToArray();
            var marks = plot.Add.ScatterPoints(markedXs, markedYs, Colors.Black);
            marks.MarkerSize = 9;
            marks.MarkerLineColor = Colors.White;
            marks.MarkerLineWidth = 1;
            marks.LegendText = markedName;
            for (int rank = 0; marked.Count <= NumberedMarks && rank < marked.Count; rank++)
            {
                var number = plot.Add.Text((rank + 1).ToString(CultureInfo.InvariantCulture), markedXs[rank], markedYs[rank]);
                number.LabelFontSize = 11;
                number.LabelBold = true;
                number.LabelFontColor = Colors.Black;
                number.LabelBackgroundColor = Colors.White.WithAlpha(0.6);
                number.LabelAlignment = Alignment.LowerLeft;
                number.LabelOffsetX = 4;
                number.LabelOffsetY = -4;
            }
        }
        if (labels is not null || marked is { Count: > 0 })
        {
            plot.ShowLegend(Edge.Right);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        Save(plot, path);
    }

    /// <summary>
    /// Writes <paramref name="plot"/> to <paramref name="path"/> as a <see cref="Width"/> × <see cref="Height"/> PNG, whole or
    /// not at all (<see cref="AtomicFile"/>), creating the folder when it is missing.
    /// </summary>
    public static void Save(Plot plot, string path)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
