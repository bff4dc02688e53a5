using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Errors;
using Pipeline.Inference.Embed;
using Pipeline.Storage;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>embed</c> verb: images (folders or files) to an embeddings file whose rows keep the images' names.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var source = new ModelSource(choosesPrecision: true);
        var input = EmbedInputs.Option();
        var output = new Option<string>("--out")
        {
            Description = "The file to write: .npy (float32 [N, D], names in NAME.files.txt beside it), .csv or .jsonl; with --store, its key there.",
            Required = true,
        };
        var store = OptionRules.ParsedBy(new Option<string?>("--store")
        {
            Description = $"Upload the output into this store under the key --out instead of writing a local file: {ArtifactStoreUri.AcceptedForms}.",
        }, ArtifactStoreUri.Parse);
        var shardIndex = OptionRules.NonNegative(new Option<int>("--shard-index")
        {
            Description = "Embed only this slice (0-based) of the sorted inputs; with --shard-count, for indexed jobs.",
            DefaultValueFactory = _ => 0,
        });
        var shardCount = OptionRules.Positive(new Option<int>("--shard-count")
        {
            Description = "How many contiguous slices the inputs are split into (default 1: all of them).",
            DefaultValueFactory = _ => 1,
        });
        var batchSize = ModelOptions.BatchSize(64);
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("embed", "Embed images with an exported encoder; output rows keep the input file names.")
        {
            input, output, store, shardIndex, shardCount, batchSize, provider, threads,
        };
        foreach (Option option in source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string outputPath = parse.GetValue(output)!;
            EmbeddingFileWriter.FormatOf(outputPath); // refuse a bad extension or folder before any work
            var shard = new Shard(parse.GetValue(shardIndex), parse.GetValue(shardCount));
            IArtifactStore? target = parse.GetValue(store) is { } storeUri ? ArtifactStoreUri.Open(storeUri) : null;
            if (target is null)
            {
                OutputFile.CreateFolderFor(output.Name, outputPath);
            }
            IReadOnlyList<(string Name, string Path)> images = shard.Slice(EmbedInputs.List(parse.GetValue(input)!));
            if (images.Count == 0)
            {
                throw new UserErrorException($"{shard} of the inputs holds no images: use fewer shards than images.");
            }

            ResolvedModel resolved = await source.ResolveAsync(parse, cancellationToken);
            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            using EmbeddingModel embedder = EmbeddingModel.Load(resolved.Path, resolved.Apply(ModelOptions.Read(parse, provider, threads)),
                logging.CreateLogger("pipeline-infer"));
            var clock = Stopwatch.StartNew();
            string[] names = images.Select(image => image.Name).ToArray();
            float[] embeddings = ProgressEmbedding.EmbedFiles(embedder, images, parse.GetValue(batchSize), cancellationToken);
            IReadOnlyList<string> written = target is null
                ? EmbeddingFileWriter.Write(outputPath, names, embeddings, embedder.EmbeddingDim)
                : await UploadAsync(target, outputPath, names, embeddings, embedder.EmbeddingDim, cancellationToken);
            Console.WriteLine(ProgressEmbedding.Summary(embedder, names.Length, shard.Count > 1 ? $" ({shard})" : "", clock.Elapsed, written));
            return 0;
        }));
        return command;
    }

    // Writes the output files into a private folder, then uploads each under the key's folder; a retried upload
    // starts the file again, and a reader of the store sees whole files only.
    private static async Task<IReadOnlyList<string>> UploadAsync(IArtifactStore store, string key, IReadOnlyList<string> names,
        float[] embeddings, int dim, CancellationToken cancellationToken)
    {
        ArtifactKey.Validate(key);
        string staging = Directory.CreateTempSubdirectory("pipeline-embed-").FullName;
        try
        {
            string keyFolder = key.Contains('/') ? key[..(key.LastIndexOf('/') + 1)] : "";
            var uploaded = new List<string>();
            foreach (string file in EmbeddingFileWriter.Write(Path.Combine(staging, Path.GetFileName(key)), names, embeddings, dim))
            {
                string fileKey = keyFolder + Path.GetFileName(file);
                await store.PutFileAsync(fileKey, file, ArtifactCondition.None, cancellationToken);
                uploaded.Add($"{store.Location}/{fileKey}");
            }
            return uploaded;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
