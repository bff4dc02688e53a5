using System.Diagnostics;
using Pipeline.Cli;

namespace Pipeline.Inference.Embed;

/// <summary>Embedding many images from a verb, with a progress line (images done, images per second) on the console.</summary>
public static class ProgressEmbedding
{
    /// <summary>Runs <paramref name="model"/> over <paramref name="count"/> images of [N, C, H, W] bytes in batches.</summary>
    public static float[] Embed(EmbeddingModel model, byte[] pixels, int count, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.EmbedBytes(pixels, batchSize, Reporter(count), cancellationToken);
    }

    /// <summary>The progress line of embedding <paramref name="count"/> images, from now: told how many are done, it shows them and the rate.</summary>
    public static IProgress<int> Reporter(int count)
    {
        var line = new ProgressLine();
        var clock = Stopwatch.StartNew();
        return new SynchronousProgress<int>(done =>
            line.Report((double)done / count, $"{done}/{count} images {done / clock.Elapsed.TotalSeconds:F0} images/s", last: done == count));
    }

    /// <summary>Decodes the image files <see cref="EmbedInputs.List"/> found at the model's input and embeds them: [N, D].</summary>
    /// <exception cref="Data.DataFormatException">A file is not a PNG or JPEG that decodes.</exception>
    public static float[] EmbedFiles(EmbeddingModel model, IReadOnlyList<(string Name, string Path)> images, int batchSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[] pixels = EmbedInputs.Decode(images, model.InputShape, cancellationToken);
        return Embed(model, pixels, images.Count, batchSize, cancellationToken);
    }

    /// <summary>
    /// The line an embed verb ends with: how many images (<paramref name="part"/> says which slice, when not all), the
    /// model, the provider, the time and rate, and the files written.
    /// </summary>
    public static string Summary(EmbeddingModel model, int count, string part, TimeSpan elapsed, IReadOnlyList<string> written)
    {
        ArgumentNullException.ThrowIfNull(model);
        double seconds = elapsed.TotalSeconds;
        return $"embedded {count} images{part} with {model.Source} ({model.Metadata.Encoder}, {model.InputShape} → {model.EmbeddingDim}) "
            + $"on {model.ExecutionProvider.ToString().ToLowerInvariant()} in {seconds:F1} s ({count / seconds:F0} images/s) → {string.Join(", ", written)}";
    }
}
