using Pipeline.Training.Evaluation;
using ScottPlot;

namespace Pipeline.Training.Reports;

/// <summary>The charts of a run report, drawn with ScottPlot as PNG files of one size.</summary>
public static class ReportCharts
{
    /// <summary>Width of every chart in pixels.</summary>
    public const int Width = 800;

    /// <summary>Height of every chart in pixels.</summary>
    public const int Height = 450;

    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>
    /// A per-step curve: the raw values in a light line and their moving average over a fiftieth of the run (at least one
    /// step) on top, so a noisy loss still shows its trend.
    /// </summary>
    public static void Curve(string path, IReadOnlyList<double> steps, IReadOnlyList<double> values, string title, string valueLabel)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(values);
        if (steps.Count != values.Count || steps.Count == 0)
        {
            throw new ArgumentException($"A curve needs as many values as steps, at least one: got {steps.Count} steps and {values.Count} values.");
        }
        var plot = new Plot();
        double[] xs = [.. steps];
        double[] raw = [.. values];
        int window = Math.Max(1, raw.Length / 50);
        if (window > 1)
        {
            plot.Add.ScatterLine(xs, raw, Palette.GetColor(0).WithAlpha(0.35)).LegendText = "per step";
        }
        var averageLine = plot.Add.ScatterLine(xs, MovingAverage(raw, window), Palette.GetColor(0));
        averageLine.LineWidth = 2;
        averageLine.LegendText = window == 1 ? "per step" : $"mean of {window} steps";
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(valueLabel);
        // The legend goes where the curve ends up away from: below a rising curve, above a falling one.
        plot.ShowLegend(raw[^1] > raw[0] ? Alignment.LowerRight : Alignment.UpperRight);
        Save(plot, path);
    }

    /// <summary>Accuracy by label fraction, one bar per protocol, with the figure over each bar.</summary>
    public static void Accuracies(string path, IReadOnlyList<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            throw new ArgumentException("An accuracy chart needs at least one result.", nameof(results));
        }
        // Groups by label fraction, fewest labelled images first; within a group one bar per protocol.
        string[] fractions = results.OrderBy(result => result.LabelledImages).Select(result => result.Labels).Distinct().ToArray();
        string[] protocols = results.Select(result => result.Protocol).Distinct().Order(StringComparer.Ordinal).ToArray();
        var plot = new Plot();
        double barWidth = 0.8 / protocols.Length;
        var bars = new List<Bar>();
        foreach (EvaluationResult result in results)
        {
            int group = Array.IndexOf(fractions, result.Labels);
            int index = Array.IndexOf(protocols, result.Protocol);
            bars.Add(new Bar
            {
                Position = group + (index - (protocols.Length - 1) / 2.0) * barWidth,
                Value = 100 * result.Accuracy,
                Size = barWidth * 0.95,
                FillColor = Palette.GetColor(index),
                Label = $"{100 * result.Accuracy:F1}",
            });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, fractions.Length).Select(group => (double)group).ToArray(),
            fractions.Select(fraction => $"{fraction} labels").ToArray());
        for (int index = 0; index < protocols.Length; index++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = protocols[index], FillColor = Palette.GetColor(index) });
        }
        plot.Axes.SetLimitsY(0, 105);
        plot.Title("Accuracy on the test images");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    /// <summary>Points in two dimensions, coloured by class with a legend of class names (one colour when unlabelled).</summary>
    public static void Map(string path, double[] xs, double[] ys, int[]? labels, IReadOnlyList<string> classNames,
        string title, string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(classNames);
        if (xs.Length != ys.Length || (labels is not null && labels.Length != xs.Length))
        {
            throw new ArgumentException($"A map needs as many x, y and labels: got {xs.Length}, {ys.Length} and {labels?.Length}.");
        }
        var plot = new Plot();
        if (labels is null)
        {
            plot.Add.ScatterPoints(xs, ys, Palette.GetColor(0)).MarkerSize = 3;
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
                points.LegendText = label < classNames.Count ? classNames[label] : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            plot.ShowLegend(Edge.Right);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        Save(plot, path);
    }

    private static double[] MovingAverage(double[] values, int window)
    {
        var averages = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }
            averages[i] = sum / Math.Min(i + 1, window);
        }
        return averages;
    }

    private static void Save(Plot plot, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Width, Height);
    }
}
