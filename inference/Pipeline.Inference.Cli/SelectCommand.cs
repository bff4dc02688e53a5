using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Figures;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>select</c> verb: binds its options into <see cref="SelectionOptions"/> and runs the <see cref="SelectionJob"/>,
/// which embeds an unlabelled pool with an encoder and chooses which images to label, writing them with the reason for
/// each; draws, when asked, a map and a grid of them (<see cref="SelectionPictures"/>).
/// </summary>
public sealed class SelectCommand
{
    // The library's defaults, shown in the help and taken when an option is left out; the required settings come from the command line.
    private static readonly SelectionOptions Defaults = new() { Model = "", Data = new DatasetUri.Folder(""), Budget = 1, Output = "" };

    private readonly ModelSource _source = new();
    private readonly Option<string> _data = OptionRules.ParsedBy(new Option<string>("--data")
    {
        Description = $"The pool to choose from: {DatasetUri.AcceptedForms} (a folder of images, with or without class subfolders; labels are never used).",
        Required = true,
    }, DatasetUri.Parse);
    private readonly Option<int> _budget = OptionRules.Positive(new Option<int>("--budget")
    {
        Description = "How many images to choose.",
        Required = true,
    });
    private readonly Option<string> _strategy = new Option<string>("--strategy")
    {
        Description = "typiclust (the most typical image of each k-means cluster; best with few labels), kcenter (greedy core-set: "
            + "covers the pool; larger budgets), random, or margin (the images a classifier fine-tuned on the labels so far is least sure "
            + "between two classes of; later rounds: --model is that classifier's inference_model.onnx, --labelled its labels), or maxherding "
            + "(each pick the image that most raises the pool's coverage under a Gaussian kernel; few labels).",
        DefaultValueFactory = _ => ImageSelection.NameOf(Defaults.Strategy),
    }.AcceptOnlyFromAmong(Enum.GetValues<SelectionStrategy>().Select(ImageSelection.NameOf).ToArray());
    private readonly Option<double?> _bandwidth = OptionRules.Positive(new Option<double?>("--bandwidth")
    {
        Description = $"maxherding's kernel width σ between unit embeddings, above 0 and at most 2. Default: {MaxHerdingSelector.DefaultBandwidth}.",
    });
    private readonly Option<string?> _labelled = new("--labelled")
    {
        Description = "Images already labelled (a file of ids, such as an earlier round's --out): never chosen again, and the strategy continues from them.",
    };
    private readonly Option<int> _seed = OptionRules.NonNegative(new Option<int>("--seed")
    {
        Description = "Seeds k-means, k-center's first pick, random, and the images maxherding measures coverage over.",
        DefaultValueFactory = _ => Defaults.Seed,
    });
    private readonly Option<string> _output = new("--out")
    {
        Description = "The CSV to write: id (the image's path in the folder, or its index in a built-in dataset), rank, strategy and the reason (cluster, typicality, distance, margin, coverage gain).",
        Required = true,
    };
    private readonly Option<string?> _cache = new("--embedding-cache")
    {
        Description = "A file (safetensors) to keep the pool's embeddings in: read when the same model made them from the same images, "
            + "written otherwise, so later rounds, budgets and strategies skip embedding.",
    };
    private readonly Option<string?> _pictures = new("--pictures")
    {
        Description = "Also draw, after the CSV, PREFIX-map.png: the pool's unit embeddings on their first two principal components "
            + $"(coloured by class when the pool has labels), the chosen images on top as black dots, numbered in pick order up to {Charts.NumberedMarks}; "
            + $"and PREFIX-grid.png: the first {SelectionPictures.GridImages} chosen images in pick order, {SelectionPictures.GridColumns} a row, "
            + $"enlarged up to {SelectionPictures.MaxGridScale}×.",
        HelpName = "PREFIX",
    };
    private readonly Option<int> _batchSize = ModelOptions.BatchSize(Defaults.BatchSize);
    private readonly Option<ExecutionProvider> _provider = ModelOptions.ExecutionProvider();
    private readonly Option<int> _threads = ModelOptions.Threads();

    private SelectCommand()
    {
    }

    public static Command Create() => new SelectCommand().Build();

    private Command Build()
    {
        var command = new Command("select", "Choose which images of an unlabelled pool to label, from an encoder's embeddings.")
        {
            _data, _budget, _strategy, _bandwidth, _labelled, _seed, _output, _cache, _pictures, _batchSize, _provider, _threads,
        };
        foreach (Option option in _source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => RunAsync(parse, cancellationToken)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        SelectionPictures? drawing = parse.GetValue(_pictures) is { } prefix ? PicturesAt(prefix) : null;
        if (drawing is not null && ImageSelection.NeedsClassifier(Strategy(parse)))
        {
            throw new UsageException($"{_pictures.Name} works on the pool's embeddings, and {parse.GetValue(_strategy)} ranks by a classifier's "
                + $"probabilities: leave {_pictures.Name} out.");
        }
        SelectionOptions options = Bind(parse, await _source.ResolveAsync(parse, cancellationToken));
        using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
        IProgress<int>? embedding = null;
        SelectionJobResult done = OptionErrors.Named(() => new SelectionJob(logging.CreateLogger("pipeline-infer")).Run(options,
            plan =>
            {
                RequireDrawable(drawing, plan);
                embedding = ProgressEmbedding.Reporter(plan.Pool.Count);
            },
            new SynchronousProgress<int>(images => embedding?.Report(images)), cancellationToken));
        Console.WriteLine(Summary(done));
        if (drawing is not null)
        {
            var clock = Stopwatch.StartNew();
            int shown = drawing.Write(done.Pool, done.Embeddings!, done.Selection, cancellationToken);
            int chosen = done.Selection.Images.Count;
            Console.WriteLine($"pictures {clock.Elapsed.TotalSeconds:F1} s: the map → {drawing.MapPath}, "
                + $"the {(shown < chosen ? $"first {shown} of the " : "")}{chosen} chosen images → {drawing.GridPath}");
        }
        return ExitCodes.Success;
    }

    private SelectionOptions Bind(ParseResult parse, ResolvedModel model) => new()
    {
        Model = model.Path,
        ModelOptions = model.Apply(ModelOptions.Read(parse, _provider, _threads)),
        Data = DatasetUri.Parse(parse.GetValue(_data)!),
        Budget = parse.GetValue(_budget),
        Strategy = Strategy(parse),
        Bandwidth = parse.GetValue(_bandwidth),
        Labelled = parse.GetValue(_labelled),
        Seed = parse.GetValue(_seed),
        Output = parse.GetValue(_output)!,
        EmbeddingCache = parse.GetValue(_cache),
        BatchSize = parse.GetValue(_batchSize),
    };

    private SelectionStrategy Strategy(ParseResult parse) =>
        Enum.GetValues<SelectionStrategy>().Single(strategy => ImageSelection.NameOf(strategy) == parse.GetValue(_strategy));

    private SelectionPictures PicturesAt(string prefix)
    {
        var drawing = new SelectionPictures(prefix);
        string full = Path.GetFullPath(prefix);
        if (Path.GetFileName(full).Length == 0 || !Directory.Exists(Path.GetDirectoryName(full))
            || Directory.Exists(drawing.MapPath) || Directory.Exists(drawing.GridPath))
        {
            throw new UsageException($"{_pictures.Name} {prefix}: give the start of a file name in a folder that exists, such as runs/round1 "
                + "for runs/round1-map.png and runs/round1-grid.png.");
        }
        return drawing;
    }

    // The map takes the pool on two principal components: refused before any image is run when there are not two of each.
    private void RequireDrawable(SelectionPictures? drawing, SelectionPlan plan)
    {
        if (drawing is not null && plan.EmbeddingDim is { } dim && (plan.Pool.Count < 2 || dim < 2))
        {
            throw new UsageException($"{_pictures.Name} draws the pool on two principal components, which takes two images and two embedding dimensions: "
                + $"{plan.Pool.Source} has {plan.Pool.Count} images, the model's embedding {dim} dimensions. Leave {_pictures.Name} out.");
        }
    }

    private static string Summary(SelectionJobResult done)
    {
        (SelectionResult selection, ImageSet pool) = (done.Selection, done.Pool);
        string how = selection.Clustering is { } clustering
            ? $" (k-means: {clustering.ClusterCount} clusters, {clustering.Iterations} iterations{(clustering.Converged ? "" : ", not converged")})"
            : "";
        string excluded = done.Labelled > 0 ? $", {done.Labelled} already labelled" : "";
        string inference = done.Embeddings is null
            ? $"classifying {done.Inference.TotalSeconds:F1} s"
            : $"embedding {done.Inference.TotalSeconds:F1} s{(done.FromCache ? " (from the cache)" : "")}";
        string summary = $"selected {selection.Images.Count} of {pool.Count} images of {pool.Source}{excluded} by {ImageSelection.NameOf(selection.Strategy)}{how}; "
            + $"{inference}, selection {done.Elapsed.TotalSeconds:F1} s → {done.Output}";
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
