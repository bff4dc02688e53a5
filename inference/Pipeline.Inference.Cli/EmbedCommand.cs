using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>embed</c> verb: images (folders or files) to an embeddings file whose rows keep the images' names.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var input = new Option<string[]>("--input")
        {
            Description = "PNG or JPEG files, or folders of them (searched like a dataset folder), in the order to embed.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The file to write: .npy (float32 [N, D], names in NAME.files.txt beside it), .csv or .jsonl.",
            Required = true,
        };
        var batchSize = ModelOptions.BatchSize(64);
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("embed", "Embed images with an exported encoder; output rows keep the input file names.")
        {
            model, input, output, batchSize, provider, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            string outputPath = parse.GetValue(output)!;
            EmbeddingFileWriter.FormatOf(outputPath); // refuse a bad extension before any work
            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            using EmbeddingModel embedder = EmbeddingModel.Load(parse.GetValue(model)!, ModelOptions.Read(parse, provider, threads),
                logging.CreateLogger("pipeline-infer"));
            var clock = Stopwatch.StartNew();
            (IReadOnlyList<string> names, byte[] pixels) = EmbedInputs.Read(parse.GetValue(input)!, embedder.InputShape, cancellationToken);
            float[] embeddings = Embed(embedder, pixels, names.Count, parse.GetValue(batchSize), cancellationToken);
            IReadOnlyList<string> written = EmbeddingFileWriter.Write(outputPath, names, embeddings, embedder.EmbeddingDim);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(
                $"embedded {names.Count} images with {embedder.Source} ({embedder.Metadata.Encoder}, {embedder.InputShape} → {embedder.EmbeddingDim}) "
                + $"on {embedder.ExecutionProvider.ToString().ToLowerInvariant()} in {seconds:F1} s ({names.Count / seconds:F0} images/s) → {string.Join(", ", written)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    // Runs the model over [N, C, H, W] bytes in batches, scaling each batch to [0, 1] in one reused buffer.
    private static float[] Embed(EmbeddingModel model, byte[] pixels, int count, int batchSize, CancellationToken cancellationToken)
    {
        int size = model.InputShape.Size, dim = model.EmbeddingDim;
        float[] embeddings = new float[count * dim];
        float[] batch = new float[Math.Min(batchSize, count) * size];
        var progress = new ProgressLine();
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int images = Math.Min(batchSize, count - start);
            ReadOnlySpan<byte> source = pixels.AsSpan(start * size, images * size);
            for (int i = 0; i < source.Length; i++)
            {
                batch[i] = source[i] / 255f; // as training scales, so embeddings match its own
            }
            model.Embed(batch.AsMemory(0, images * size), embeddings.AsMemory(start * dim, images * dim));
            int done = start + images;
            progress.Report((double)done / count, $"{done}/{count} images {done / clock.Elapsed.TotalSeconds:F0} images/s", last: done == count);
        }
        return embeddings;
    }
}
