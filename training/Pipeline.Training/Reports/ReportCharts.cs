using Pipeline.Figures;
using Pipeline.Training.Evaluation;
using ScottPlot;

namespace Pipeline.Training.Reports;

/// <summary>The charts of a run report that only training draws; the shared ones, and their size, are <see cref="Charts"/>.</summary>
public static class ReportCharts
{
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
            plot.Add.ScatterLine(xs, raw, Charts.Palette.GetColor(0).WithAlpha(0.35)).LegendText = "per step";
        }
        var averageLine = plot.Add.ScatterLine(xs, MovingAverage(raw, window), Charts.Palette.GetColor(0));
        averageLine.LineWidth = 2;
        averageLine.LegendText = window == 1 ? "per step" : $"mean of {window} steps";
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(valueLabel);
        // The legend goes where the curve ends up away from: below a rising curve, above a falling one.
        plot.ShowLegend(raw[^1] > raw[0] ? Alignment.LowerRight : Alignment.UpperRight);
        Charts.Save(plot, path);
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
                FillColor = Charts.Palette.GetColor(index),
                Label = $"{100 * result.Accuracy:F1}",
            });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, fractions.Length).Select(group => (double)group).ToArray(),
            fractions.Select(fraction => $"{fraction} labels").ToArray());
        for (int index = 0; index < protocols.Length; index++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = protocols[index], FillColor = Charts.Palette.GetColor(index) });
        }
        plot.Axes.SetLimitsY(0, 105);
        plot.Title("Accuracy on the test images");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.UpperLeft);
        Charts.Save(plot, path);
    }

    /// <summary>
    /// Accuracies along a run, one line with markers per figure (<c>linear 1%</c>, <c>knn 100%</c>, …), against
    /// <paramref name="xLabel"/> — epochs or training time.
    /// </summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="series">Each figure's name and its points (x, accuracy in [0, 1]).</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="xLabel">What x is.</param>
    public static void AccuracyCurves(string path, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Accuracy)> Points)> series,
        string title, string xLabel)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0 || series.Any(figure => figure.Points.Count == 0))
        {
            throw new ArgumentException("Accuracy curves need at least one figure, each with at least one point.", nameof(series));
        }
        var plot = new Plot();
        for (int index = 0; index < series.Count; index++)
        {
            (string name, IReadOnlyList<(double X, double Accuracy)> points) = series[index];
            var line = plot.Add.Scatter(points.Select(point => point.X).ToArray(), points.Select(point => 100 * point.Accuracy).ToArray(),
                Charts.Palette.GetColor(index));
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        Charts.Save(plot, path);
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
}
