using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>index</c> verbs: build an <see cref="EmbeddingIndex"/> of a catalogue of images with an encoder, add images to
/// it, remove them, look images up in it, and show what it holds.
/// </summary>
public static class IndexCommand
{
    public static Command Create() => new("index", "Look images up by similarity: an index of a catalogue's embeddings (exact cosine search, standardised per dimension by default).")
    {
        Build(),
        Add(),
        Remove(),
        SearchImages(),
        Show(),
    };

    private static Command Build()
    {
        var model = new ModelRun(256);
        var data = Data("The catalogue to index");
        var ids = Ids("Index only the images this file lists (one id per line, or a CSV whose first column is id, such as select writes)");
        var output = new Option<string>("--out")
        {
            Description = "The index file to write (safetensors: the unit vectors, the ids, the model's SHA-256, the statistics).",
            Required = true,
        };
        var metric = new Option<string>("--metric")
        {
            Description = "standardized-cosine: cosine after standardising every dimension with the catalogue's mean and standard deviation, "
                + "fixed now (later adds and every query use them); cosine: cosine of the raw embeddings.",
            DefaultValueFactory = _ => EmbeddingIndexFile.NameOf(IndexMetric.StandardizedCosine),
        }.AcceptOnlyFromAmong([.. EmbeddingIndexFile.MetricNames]);
        var command = new Command("build", "Embed a catalogue of images and write an index of them; ids are paths relative to the folder.")
        {
            data, ids, output, metric,
        };
        model.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string outputPath = parse.GetValue(output)!;
            OutputFile.CreateFolderFor(output.Name, outputPath);
            using EmbeddingModel embedder = await model.LoadAsync(parse, cancellationToken);
            Catalogue catalogue = Catalogue.Open(data.Name, parse.GetValue(data)!, embedder.InputShape, cancellationToken);
            IReadOnlyList<string> chosen = parse.GetValue(ids) is { } listPath ? catalogue.Listed(ids.Name, listPath) : catalogue.Ids;

            var clock = Stopwatch.StartNew();
            EmbeddingIndex index = EmbeddingIndex.Build(embedder.Sha256, embedder.EmbeddingDim, chosen,
                Embed(embedder, catalogue, chosen, model.BatchSizeOf(parse), cancellationToken), EmbeddingIndexFile.MetricOf(parse.GetValue(metric)!));
            index.Save(outputPath, cancellationToken);
            Console.WriteLine($"indexed {index.Count} images of {catalogue.Source} with {embedder.Source} ({embedder.EmbeddingDim} floats each, "
                + $"SHA-256 {embedder.Sha256}, {EmbeddingIndexFile.NameOf(index.Metric)}) in {clock.Elapsed.TotalSeconds:F1} s → {outputPath} ({Size(outputPath)})");
            return 0;
        }));
        return command;
    }

    private static Command Add()
    {
        var model = new ModelRun(256);
        var index = IndexFile("The index to add to; it is rewritten whole, or not at all.");
        var data = Data("The catalogue the images come from");
        var ids = Ids("Add only the images this file lists (default: every image of --data the index does not hold yet)");
        var replace = new Option<bool>("--replace")
        {
            Description = "Embed again the images the index holds already (an image that changed), instead of skipping them.",
        };
        var command = new Command("add", "Add a catalogue's new images to an index, embedded with the index's model (and standardised with its statistics).")
        {
            index, data, ids, replace,
        };
        model.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string indexPath = parse.GetValue(index)!;
            EmbeddingIndex catalogueIndex = LoadIndex(indexPath);
            using EmbeddingModel embedder = await model.LoadAsync(parse, cancellationToken);
            RequireIndexModel(catalogueIndex, embedder, model, parse, indexPath);
            Catalogue catalogue = Catalogue.Open(data.Name, parse.GetValue(data)!, embedder.InputShape, cancellationToken);
            IReadOnlyList<string> offered = parse.GetValue(ids) is { } listPath ? catalogue.Listed(ids.Name, listPath) : catalogue.Ids;
            bool replacing = parse.GetValue(replace);
            string[] chosen = offered.Where(id => replacing || !catalogueIndex.Contains(id)).ToArray();
            int skipped = offered.Count - chosen.Length;
            if (chosen.Length == 0)
            {
                Console.WriteLine($"nothing to add: the index holds every one of the {offered.Count} images of {catalogue.Source} already "
                    + $"(--replace embeds them again); {indexPath} is unchanged");
                return 0;
            }

            var clock = Stopwatch.StartNew();
            float[] vectors = Embed(embedder, catalogue, chosen, model.BatchSizeOf(parse), cancellationToken);
            string[] replaced = chosen.Where(catalogueIndex.Contains).ToArray();
            catalogueIndex.Remove(replaced);
            catalogueIndex.Add(chosen, vectors);
            catalogueIndex.Save(indexPath, cancellationToken);
            Console.WriteLine($"added {chosen.Length - replaced.Length} images of {catalogue.Source}"
                + (replaced.Length > 0 ? $", replaced {replaced.Length}" : "")
                + (skipped > 0 ? $", skipped {skipped} the index holds already" : "")
                + $" in {clock.Elapsed.TotalSeconds:F1} s → {indexPath} holds {catalogueIndex.Count} ({Size(indexPath)})");
            return 0;
        }));
        return command;
    }

    private static Command Remove()
    {
        var index = IndexFile("The index to remove from; it is rewritten whole, or not at all.");
        var ids = Ids("Remove the entries this file lists (one id per line, or a CSV whose first column is id)");
        var id = new Option<string[]>("--id")
        {
            Description = "Remove the entry with this id (the image's path relative to the catalogue folder); may be repeated.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("remove", "Remove entries from an index by id (images deleted from the catalogue).") { index, ids, id };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            string indexPath = parse.GetValue(index)!;
            var removed = new List<string>(parse.GetValue(id) ?? []);
            if (parse.GetValue(ids) is { } listPath)
            {
                removed.AddRange(ImageIdOption.Read(ids.Name, listPath));
            }
            if (removed.Count == 0)
            {
                throw new UsageException("index remove: give the entries to remove with --id ID (repeated) or --ids FILE.");
            }
            EmbeddingIndex catalogueIndex = LoadIndex(indexPath);
            try
            {
                catalogueIndex.Remove(removed);
            }
            catch (KeyNotFoundException error)
            {
                throw new UsageException($"{indexPath}: {error.Message} Its ids are paths relative to the catalogue folder, such as "
                    + (catalogueIndex.Count > 0 ? catalogueIndex.Ids[0] : "shoes/001.png") + ".");
            }
            catalogueIndex.Save(indexPath, cancellationToken);
            int count = removed.Distinct(StringComparer.Ordinal).Count();
            Console.WriteLine($"removed {count} {(count == 1 ? "entry" : "entries")} → {indexPath} holds {catalogueIndex.Count} ({Size(indexPath)})");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command SearchImages()
    {
        var model = new ModelRun(defaultBatchSize: null);
        var index = IndexFile("The index to look the images up in.");
        var images = new Option<string[]>("--image")
        {
            Description = "PNG or JPEG files to look up.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var topK = OptionRules.Positive(new Option<int>("--top-k")
        {
            Description = "How many entries to show per image, most similar first.",
            DefaultValueFactory = _ => 10,
        });
        var command = new Command("search", "Look images up in an index: the most similar entries by the index's metric, with the index's model.")
        {
            index, images, topK,
        };
        model.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string indexPath = parse.GetValue(index)!;
            EmbeddingIndex catalogueIndex = LoadIndex(indexPath);
            string[] files = parse.GetValue(images)!;
            if (files.FirstOrDefault(file => !File.Exists(file)) is { } missing)
            {
                throw new UsageException($"--image {missing} does not exist: give PNG or JPEG files.");
            }
            using EmbeddingModel embedder = await model.LoadAsync(parse, cancellationToken);
            RequireIndexModel(catalogueIndex, embedder, model, parse, indexPath);
            int k = parse.GetValue(topK);
            foreach (string file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<SearchHit> hits = catalogueIndex.Search(embedder, File.ReadAllBytes(file), k, file);
                Console.WriteLine(file);
                for (int rank = 0; rank < hits.Count; rank++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rank + 1,4}  {hits[rank].Score:F4}  {hits[rank].Id}"));
                }
            }
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var index = IndexFile("The index to describe.");
        var command = new Command("show", "Print what an index holds: entries, width, the model's SHA-256, a few ids.") { index };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            string indexPath = parse.GetValue(index)!;
            EmbeddingIndex catalogueIndex = LoadIndex(indexPath);
            Console.WriteLine($"{indexPath}: {catalogueIndex.Count} entries of {catalogueIndex.Dim} floats ({EmbeddingIndexFile.NameOf(catalogueIndex.Metric)}), {Size(indexPath)}");
            Console.WriteLine($"model SHA-256 {catalogueIndex.ModelSha256}");
            foreach (string id in catalogueIndex.Ids.Take(5))
            {
                Console.WriteLine("  " + id);
            }
            if (catalogueIndex.Count > 5)
            {
                Console.WriteLine($"  … and {catalogueIndex.Count - 5} more");
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Option<string> Data(string what) => OptionRules.ParsedBy(new Option<string>("--data")
    {
        Description = $"{what}: {DatasetUri.AcceptedForms}. Ids are the images' paths relative to the folder (indices for fashion-mnist:*).",
        Required = true,
    }, DatasetUri.Parse);

    private static Option<string?> Ids(string what) => new("--ids") { Description = what + ".", HelpName = "FILE" };

    private static Option<string> IndexFile(string description) => new("--index") { Description = description, Required = true };

    private static float[] Embed(EmbeddingModel embedder, Catalogue catalogue, IReadOnlyList<string> ids, int batchSize, CancellationToken cancellationToken) =>
        ProgressEmbedding.Embed(embedder, catalogue.Decode(ids, cancellationToken), ids.Count, batchSize, cancellationToken);

    /// <summary>The index file <paramref name="path"/> of <c>--index</c>; one that cannot be read is a usage error naming it.</summary>
    private static EmbeddingIndex LoadIndex(string path) => OptionErrors.Named(() => EmbeddingIndex.LoadSetting("index", path));

    private static void RequireIndexModel(EmbeddingIndex index, EmbeddingModel model, ModelRun run, ParseResult parse, string indexPath)
    {
        try
        {
            index.RequireModel(model.Sha256);
        }
        catch (IndexModelMismatchException error)
        {
            throw new UsageException($"{run.Source.Model.Name} {parse.GetValue(run.Source.Model)} is not the model {indexPath} was built with. {error.Message}");
        }
    }

    private static string Size(string path) => $"{new FileInfo(path).Length / 1e6:F1} MB";

    // The options of a verb that embeds images: where the model comes from, the batch size and where ONNX Runtime runs.
    // A verb that embeds one image at a time has no batch size.
    private sealed class ModelRun(int? defaultBatchSize)
    {
        private readonly Option<int>? _batchSize = defaultBatchSize is { } size ? ModelOptions.BatchSize(size) : null;
        private readonly Option<ExecutionProvider> _provider = ModelOptions.ExecutionProvider();
        private readonly Option<int> _threads = ModelOptions.Threads();

        public ModelSource Source { get; } = new();

        public void AddTo(Command command)
        {
            foreach (Option option in Source.Options.Append(_provider).Append(_threads))
            {
                command.Options.Add(option);
            }
            if (_batchSize is not null)
            {
                command.Options.Add(_batchSize);
            }
        }

        public int BatchSizeOf(ParseResult parse) => parse.GetValue(_batchSize ?? throw new InvalidOperationException("This verb has no --batch-size."));

        public async Task<EmbeddingModel> LoadAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            ResolvedModel resolved = await Source.ResolveAsync(parse, cancellationToken);
            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            return EmbeddingModel.Load(resolved.Path, resolved.Apply(ModelOptions.Read(parse, _provider, _threads)), logging.CreateLogger("pipeline-infer"));
        }
    }
}
