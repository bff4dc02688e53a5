using System.Diagnostics;
using Pipeline.Cli;

namespace Pipeline.Inference.Cli;

/// <summary>Embedding many images from a verb, with a progress line (images done, images per second) on the console.</summary>
public static class ProgressEmbedding
{
    /// <summary>Runs <paramref name="model"/> over <paramref name="count"/> images of [N, C, H, W] bytes in batches.</summary>
    public static float[] Embed(EmbeddingModel model, byte[] pixels, int count, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var line = new ProgressLine();
        var clock = Stopwatch.StartNew();
        var progress = new SynchronousProgress<int>(done =>
            line.Report((double)done / count, $"{done}/{count} images {done / clock.Elapsed.TotalSeconds:F0} images/s", last: done == count));
        return model.EmbedBytes(pixels, batchSize, progress, cancellationToken);
    }
}
