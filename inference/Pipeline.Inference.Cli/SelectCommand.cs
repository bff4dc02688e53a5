using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Figures;
using Pipeline.Inference.Classification;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>select</c> verb: embeds an unlabelled pool with an encoder and chooses which images to label
/// (<see cref="IImageSelector"/>), writing them with the reason for each (<see cref="SelectionFile"/>) and, when asked, a map
/// and a grid of them (<see cref="SelectionPictures"/>).
/// </summary>
public static class SelectCommand
{
    public static Command Create()
    {
        var source = new ModelSource();
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = $"The pool to choose from: {DatasetUri.AcceptedForms} (a folder of images, with or without class subfolders; labels are never used).",
            Required = true,
        }, DatasetUri.Parse);
        var budget = OptionRules.Positive(new Option<int>("--budget")
        {
            Description = "How many images to choose.",
            Required = true,
        });
        var strategy = new Option<string>("--strategy")
        {
            Description = "typiclust (the most typical image of each k-means cluster; best with few labels), kcenter (greedy core-set: "
                + "covers the pool; larger budgets), random, or margin (the images a classifier fine-tuned on the labels so far is least sure "
                + "between two classes of; later rounds: --model is that classifier's inference_model.onnx, --labelled its labels).",
            DefaultValueFactory = _ => ImageSelection.NameOf(SelectionStrategy.Typiclust),
        }.AcceptOnlyFromAmong(Enum.GetValues<SelectionStrategy>().Select(ImageSelection.NameOf).ToArray());
        var labelled = new Option<string?>("--labelled")
        {
            Description = "Images already labelled (a file of ids, such as an earlier round's --out): never chosen again, and the strategy continues from them.",
        };
        var seed = OptionRules.NonNegative(new Option<int>("--seed") { Description = "Seeds k-means, k-center's first pick and random.", DefaultValueFactory = _ => 0 });
        var output = new Option<string>("--out")
        {
            Description = "The CSV to write: id (the image's path in the folder, or its index in a built-in dataset), rank, strategy and the reason (cluster, typicality, distance).",
            Required = true,
        };
        var cache = new Option<string?>("--embedding-cache")
        {
            Description = "A file (safetensors) to keep the pool's embeddings in: read when the same model made them from the same images, "
                + "written otherwise, so later rounds, budgets and strategies skip embedding.",
        };
        var pictures = new Option<string?>("--pictures")
        {
            Description = "Also draw, after the CSV, PREFIX-map.png: the pool's unit embeddings on their first two principal components "
                + $"(coloured by class when the pool has labels), the chosen images on top as black dots, numbered in pick order up to {Charts.NumberedMarks}; "
                + $"and PREFIX-grid.png: the first {SelectionPictures.GridImages} chosen images in pick order, {SelectionPictures.GridColumns} a row, "
                + $"enlarged up to {SelectionPictures.MaxGridScale}×.",
            HelpName = "PREFIX",
        };
        var batchSize = ModelOptions.BatchSize(256);
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("select", "Choose which images of an unlabelled pool to label, from an encoder's embeddings.")
        {
            data, budget, strategy, labelled, seed, output, cache, pictures, batchSize, provider, threads,
        };
        foreach (Option option in source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string outputPath = parse.GetValue(output)!;
            OutputFile.RequireWritable(output.Name, outputPath);
            SelectionPictures? drawing = parse.GetValue(pictures) is { } prefix ? PicturesAt(prefix) : null;
            IReadOnlyList<string>? labelledIds = parse.GetValue(labelled) is { } labelledPath ? ImageIdOption.Read(labelled.Name, labelledPath) : null;
            SelectionStrategy chosen = Enum.GetValues<SelectionStrategy>().Single(s => ImageSelection.NameOf(s) == parse.GetValue(strategy));
            bool byClassifier = ImageSelection.NeedsClassifier(chosen);

            if (byClassifier
                && new Option[] { cache, pictures }.FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } embeddingsOnly)
            {
                throw new UsageException($"{embeddingsOnly.Name} works on the pool's embeddings, and {parse.GetValue(strategy)} ranks by a classifier's probabilities: "
                    + $"leave {embeddingsOnly.Name} out.");
            }

            ResolvedModel resolved = await source.ResolveAsync(parse, cancellationToken);
            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            EmbeddingModelOptions modelOptions = resolved.Apply(ModelOptions.Read(parse, provider, threads));
            using OnnxRuntimeModel model = byClassifier
                ? ImageClassifier.Load(resolved.Path, modelOptions, logging.CreateLogger("pipeline-infer"))
                : EmbeddingModel.Load(resolved.Path, modelOptions, logging.CreateLogger("pipeline-infer"));
            ImageSet pool = DatasetOption.Load(data.Name, parse.GetValue(data)!, model.InputShape, cancellationToken);
            var already = new HashSet<int>(labelledIds is null ? [] : ImageIdOption.Resolve(labelled.Name, pool, labelledIds, parse.GetValue(labelled)!));
            int wanted = parse.GetValue(budget);
            if (wanted > pool.Count - already.Count)
            {
                throw new UsageException($"--budget {wanted} is more than the {pool.Count - already.Count} images of {pool.Source} not yet labelled "
                    + $"({pool.Count} in all, {already.Count} labelled): choose at most that many.");
            }
            if (drawing is not null && model is EmbeddingModel drawn && (pool.Count < 2 || drawn.EmbeddingDim < 2))
            {
                throw new UsageException($"--pictures draws the pool on two principal components, which takes two images and two embedding dimensions: "
                    + $"{pool.Source} has {pool.Count} images, the model's embedding {drawn.EmbeddingDim} dimensions. Leave --pictures out.");
            }

            var clock = Stopwatch.StartNew();
            SelectionResult selection;
            EmbeddingPool? embeddings = null;
            string inference;
            if (model is ImageClassifier classifier)
            {
                float[] probabilities = classifier.Probabilities(pool, parse.GetValue(batchSize), cancellationToken: cancellationToken);
                inference = $"classifying {clock.Elapsed.TotalSeconds:F1} s";
                selection = MarginSelector.Select(probabilities, classifier.ClassNames.Count, wanted, already, cancellationToken);
            }
            else
            {
                var embedder = (EmbeddingModel)model;
                (float[] vectors, bool cached) = Embed(embedder, pool, parse.GetValue(cache), parse.GetValue(batchSize), cancellationToken);
                embeddings = new EmbeddingPool(vectors, embedder.EmbeddingDim);
                inference = $"embedding {clock.Elapsed.TotalSeconds:F1} s{(cached ? " (from the cache)" : "")}";
                selection = ImageSelection.Create(chosen).Select(embeddings, wanted, already, parse.GetValue(seed), cancellationToken);
            }
            TimeSpan selecting = clock.Elapsed;
            string[] ids = Enumerable.Range(0, pool.Count).Select(index => ImageIds.Of(pool, index)).ToArray();
            SelectionFile.Write(outputPath, selection, ids);
            Console.WriteLine(Summary(selection, pool, already.Count, inference, selecting, outputPath));
            if (drawing is not null)
            {
                TimeSpan picturesStart = clock.Elapsed;
                int shown = drawing.Write(pool, embeddings!, selection, cancellationToken);
                Console.WriteLine($"pictures {(clock.Elapsed - picturesStart).TotalSeconds:F1} s: the map → {drawing.MapPath}, "
                    + $"the {(shown < selection.Images.Count ? $"first {shown} of the " : "")}{selection.Images.Count} chosen images → {drawing.GridPath}");
            }
            return 0;
        }));
        return command;
    }

    private static SelectionPictures PicturesAt(string prefix)
    {
        var drawing = new SelectionPictures(prefix);
        string full = Path.GetFullPath(prefix);
        if (Path.GetFileName(full).Length == 0 || !Directory.Exists(Path.GetDirectoryName(full))
            || Directory.Exists(drawing.MapPath) || Directory.Exists(drawing.GridPath))
        {
            throw new UsageException($"--pictures {prefix}: give the start of a file name in a folder that exists, such as runs/round1 "
                + "for runs/round1-map.png and runs/round1-grid.png.");
        }
        return drawing;
    }

    // The pool's embeddings: from the cache when it holds this model's embeddings of these images, else from the model
    // (then written to the cache when one is named).
    private static (float[] Embeddings, bool Cached) Embed(EmbeddingModel embedder, ImageSet pool, string? cache, int batchSize,
        CancellationToken cancellationToken)
    {
        string? pixels = cache is null ? null : PoolEmbeddingCache.PixelsSha256(pool.Pixels);
        if (cache is not null)
        {
            try
            {
                if (PoolEmbeddingCache.TryRead(cache, embedder.Sha256, pixels!, pool.Count, embedder.EmbeddingDim) is { } stored)
                {
                    return (stored, true);
                }
            }
            catch (InvalidDataException error)
            {
                throw new UsageException($"--embedding-cache {cache} is not an embedding cache ({error.Message}): name a new file, or delete it.");
            }
        }
        float[] embeddings = ProgressEmbedding.Embed(embedder, pool.Pixels, pool.Count, batchSize, cancellationToken);
        if (cache is not null)
        {
            PoolEmbeddingCache.Write(cache, embeddings, embedder.EmbeddingDim, embedder.Sha256, pixels!);
        }
        return (embeddings, false);
    }

    private static string Summary(SelectionResult selection, ImageSet pool, int labelled, string inference, TimeSpan selecting, string path)
    {
        string how = selection.Clustering is { } clustering
            ? $" (k-means: {clustering.ClusterCount} clusters, {clustering.Iterations} iterations{(clustering.Converged ? "" : ", not converged")})"
            : "";
        string excluded = labelled > 0 ? $", {labelled} already labelled" : "";
        string summary = $"selected {selection.Images.Count} of {pool.Count} images of {pool.Source}{excluded} by {ImageSelection.NameOf(selection.Strategy)}{how}; "
            + $"{inference}, selection {selecting.TotalSeconds:F1} s → {path}";
        if (pool.Labels is not { } labels)
        {
            return summary;
        }
        // The pool's own labels were not used to choose; they show how the choice spread over the classes.
        int[] perClass = new int[pool.ClassNames.Count];
        foreach (SelectedImage image in selection.Images)
        {
            perClass[labels[image.Index]]++;
        }
        return summary + $"\nclasses covered {perClass.Count(count => count > 0)}/{perClass.Length}, {perClass.Min()}–{perClass.Max()} per class "
            + $"({string.Join(" ", perClass)}; the labels were not used to choose)";
    }
}
