using System.Numerics.Tensors;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Data;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// Finds the range of a float32 model's activation tensors on calibration images: the model runs in ONNX Runtime with
/// those tensors as extra graph outputs, and each tensor's values give its range (<see cref="CalibrationMethod"/>).
/// </summary>
/// <remarks>
/// Min/max takes one pass over the images. Percentile takes a second: each tensor's values go into a histogram of
/// <see cref="HistogramBins"/> bins over its min/max range, and the range becomes [the (100 − p)th, the pth percentile],
/// each to within a bin (1/2048 of the range).
/// </remarks>
internal static class ActivationCalibrator
{
    public const int HistogramBins = 2048;
    private const int BatchSize = 64;

    /// <summary>The range of each of <paramref name="tensors"/> over <paramref name="images"/>.</summary>
    /// <param name="model">The float32 model.</param>
    /// <param name="tensors">Names of values the graph makes (or its input).</param>
    /// <param name="images">The calibration images, at the model's input shape.</param>
    /// <param name="method">How a range is taken from the values.</param>
    /// <param name="percentile">For <see cref="CalibrationMethod.Percentile"/>: p, in (50, 100].</param>
    /// <param name="options">Threads and execution provider.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static IReadOnlyDictionary<string, TensorRange> Calibrate(ModelProto model, IReadOnlyList<string> tensors, ImageSet images,
        CalibrationMethod method, double percentile, EmbeddingModelOptions options, CancellationToken cancellationToken)
    {
        ModelProto probe = model.Clone();
        var outputs = probe.Graph.Output.Select(output => output.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string tensor in tensors.Where(tensor => !outputs.Contains(tensor)))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }
        using (OrtSession calibration = OrtSessionFactory.Create(probe.ToByteArray(), "the calibration model", options, NullLogger.Instance))
        {
            InferenceSession session = calibration.Session;
            var ranges = new TensorRange[tensors.Count];
            Array.Fill(ranges, new TensorRange(float.PositiveInfinity, float.NegativeInfinity));
            ForEachBatch(session, tensors, images, cancellationToken, (k, values) =>
            {
                if (!values.IsEmpty)
                {
                    ranges[k] = ranges[k].Union(new TensorRange(TensorPrimitives.Min(values), TensorPrimitives.Max(values)));
                }
            });
            int empty = Array.FindIndex(ranges, range => !float.IsFinite(range.Min) || !float.IsFinite(range.Max));
            if (empty >= 0)
            {
                throw new InvalidDataException(
                    $"Activation '{tensors[empty]}' is [{ranges[empty].Min}, {ranges[empty].Max}] on the calibration images: the model gives no finite values there.");
            }
            if (method == CalibrationMethod.Percentile)
            {
                ranges = PercentileRanges(session, tensors, images, ranges, percentile, cancellationToken);
            }
            return tensors.Select((tensor, k) => (tensor, k)).ToDictionary(pair => pair.tensor, pair => ranges[pair.k], StringComparer.Ordinal);
        }
    }

    private static TensorRange[] PercentileRanges(InferenceSession session, IReadOnlyList<string> tensors, ImageSet images, TensorRange[] extremes,
        double percentile, CancellationToken cancellationToken)
    {
        long[][] histograms = tensors.Select(_ => new long[HistogramBins]).ToArray();
        ForEachBatch(session, tensors, images, cancellationToken, (k, values) =>
        {
            long[] histogram = histograms[k];
            TensorRange range = extremes[k];
            float width = range.Max - range.Min;
            foreach (float value in values)
            {
                int bin = width > 0 ? (int)((value - range.Min) / width * HistogramBins) : 0;
                histogram[Math.Clamp(bin, 0, HistogramBins - 1)]++;
            }
        });
        var ranges = new TensorRange[tensors.Count];
        double tail = 1 - percentile / 100;
        for (int k = 0; k < tensors.Count; k++)
        {
            long[] histogram = histograms[k];
            TensorRange range = extremes[k];
            double total = histogram.Sum(), binWidth = (double)(range.Max - range.Min) / HistogramBins;
            // The lowest bin edge with more than the tail below it, and the highest with at least p of the values below it.
            int low = 0, high = HistogramBins - 1;
            long below = histogram[low], above = histogram[high];
            while (below <= tail * total && low < HistogramBins - 1)
            {
                below += histogram[++low];
            }
            while (above <= tail * total && high > 0)
            {
                above += histogram[--high];
            }
            ranges[k] = new TensorRange((float)Math.Max(range.Min, range.Min + low * binWidth), (float)Math.Min(range.Max, range.Min + (high + 1) * binWidth));
        }
        return ranges;
    }

    // Runs the model on the images in batches and hands each requested tensor's values to visit(index, values).
    private static void ForEachBatch(InferenceSession session, IReadOnlyList<string> tensors, ImageSet images, CancellationToken cancellationToken,
        Action<int, ReadOnlySpan<float>> visit)
    {
        int size = images.ImageSize;
        float[] batch = new float[Math.Min(BatchSize, images.Count) * size];
        string[] inputNames = [EmbeddingModel.InputName];
        string[] outputNames = [.. tensors];
        using var runOptions = new RunOptions();
        for (int start = 0; start < images.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(BatchSize, images.Count - start);
            PixelScaling.ToUnitRange(images.Pixels.AsSpan(start * size, count * size), batch);
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.AsMemory(0, count * size),
                [count, images.Channels, images.Height, images.Width]);
            using IDisposableReadOnlyCollection<OrtValue> values = session.Run(runOptions, inputNames, [input], outputNames);
            for (int k = 0; k < outputNames.Length; k++)
            {
                visit(k, values[k].GetTensorDataAsSpan<float>());
            }
        }
    }
}
