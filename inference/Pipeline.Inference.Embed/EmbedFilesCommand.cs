using System.CommandLine;
using System.Diagnostics;
using Pipeline.Cli;

namespace Pipeline.Inference.Embed;

/// <summary>
/// The <c>pipeline-embed</c> command: image files (or folders) to an embeddings file with an encoder.onnx on local disk,
/// as <c>pipeline-infer embed</c> does without the registry and stores a device has no use for.
/// </summary>
public static class EmbedFilesCommand
{
    public static RootCommand Create()
    {
        var model = ModelOptions.Model();
        model.Description = "The encoder.onnx written by pipeline-train export, or one of its precision variants (encoder.int8.onnx).";
        var input = EmbedInputs.Option();
        var output = new Option<string>("--out")
        {
            Description = "The file to write: .npy (float32 [N, D], names in NAME.files.txt beside it), .csv or .jsonl.",
            Required = true,
        };
        var batchSize = ModelOptions.BatchSize(64);
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new RootCommand(
            "pipeline-embed: embed images with an exported encoder.onnx and ONNX Runtime alone; output rows keep the input file names.")
        {
            model, input, output, batchSize, provider, threads,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(() =>
        {
            string outputPath = parse.GetValue(output)!;
            EmbeddingFileWriter.FormatOf(outputPath); // refuse a bad extension or folder before any work
            OutputFile.CreateFolderFor(output.Name, outputPath);
            IReadOnlyList<(string Name, string Path)> images = EmbedInputs.List(parse.GetValue(input)!);

            using EmbeddingModel embedder = EmbeddingModel.Load(parse.GetValue(model)!, ModelOptions.Read(parse, provider, threads));
            var clock = Stopwatch.StartNew();
            string[] names = images.Select(image => image.Name).ToArray();
            float[] embeddings = ProgressEmbedding.EmbedFiles(embedder, images, parse.GetValue(batchSize), cancellationToken);
            IReadOnlyList<string> written = EmbeddingFileWriter.Write(outputPath, names, embeddings, embedder.EmbeddingDim);
            Console.WriteLine(ProgressEmbedding.Summary(embedder, names.Length, "", clock.Elapsed, written));
            return Task.FromResult(0);
        }));
        return command;
    }
}
