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

    // Runs the model over [N, C, H, W] bytes in batches, drawing a progress line.
    private static float[] Embed(EmbeddingModel model, byte[] pixels, int count, int batchSize, CancellationToken cancellationToken)
    {
        var line = new ProgressLine();
        var clock = Stopwatch.StartNew();
        var progress = new SynchronousProgress<int>(done =>
            line.Report((double)done / count, $"{done}/{count} images {done / clock.Elapsed.TotalSeconds:F0} images/s", last: done == count));
        return model.EmbedBytes(pixels, batchSize, progress, cancellationToken);
    }
}
