using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Inference.Embed;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>finetune</c> verb: binds its options into <see cref="FineTuneJobOptions"/>, runs the <see cref="FineTuneJob"/>
/// (artifacts generated from an encoder.onnx, the head and the layers asked for trained on labelled images,
/// <c>inference_model.onnx</c> written) and prints what it did.
/// </summary>
public sealed class FineTuneCommand
{
    private const string AutoRecipe = "auto";

    // The training defaults FineTuneJobOptions takes too: the options show them and take them when left out.
    private static readonly FineTuneOptions Defaults = new();

    private readonly ModelSource _source = new();
    private readonly Option<string> _data = OptionRules.ParsedBy(new Option<string>("--data")
    {
        Description = $"Labelled images: {DatasetUri.AcceptedForms} (a folder with one subfolder per class).",
        Required = true,
    }, DatasetUri.Parse);
    private readonly Option<string> _labels = OptionRules.ParsedBy(new Option<string>("--labels")
    {
        Description = $"Which labels to train with: {LabelledSubset.AcceptedForms}. A fraction or count is drawn class-balanced and seeded; "
            + "a file's images take their labels from --data.",
        DefaultValueFactory = _ => "100%",
    }, LabelledSubset.Parse);
    private readonly Option<string> _head = OptionRules.ParsedBy(
        new Option<string>("--head") { Description = $"The head: {HeadSpec.AcceptedForms}.", DefaultValueFactory = _ => HeadSpec.Linear.ToString() }, HeadSpec.Parse);
    private readonly Option<string> _recipe = new Option<string>("--recipe")
    {
        Description = $"The settings taken where none is given: full ({FineTuneRecipe.Full.Describe()}), "
            + $"frozen ({FineTuneRecipe.Frozen.Describe()}), or auto: full for at most {FineTuneRecipe.FullUpToImages} labelled images, frozen for more.",
        DefaultValueFactory = _ => AutoRecipe,
    }.AcceptOnlyFromAmong([AutoRecipe, .. FineTuneRecipe.All.Select(known => known.Name)]);
    private readonly Option<string?> _unfreeze = OptionRules.ParsedBy(new Option<string?>("--unfreeze")
    {
        Description = $"What of the encoder trains with the head: {UnfreezeSpec.AcceptedForms}. Default: the recipe's.",
    }, UnfreezeSpec.Parse);
    private readonly Option<int?> _epochs = OptionRules.Positive(new Option<int?>("--epochs") { Description = "Epochs, at most. Default: the recipe's." });
    private readonly Option<int> _batchSize = OptionRules.Positive(
        new Option<int>("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => Defaults.BatchSize });
    private readonly Option<double?> _learningRate = OptionRules.Positive(
        new Option<double?>("--lr") { Description = "Peak learning rate (cosine decay to 0 after the warm-up). Default: the recipe's." });
    private readonly Option<double> _warmup = OptionRules.NonNegative(new Option<double>("--warmup-epochs")
    {
        Description = "Epochs of linear warm-up (at most a tenth of the run).",
        DefaultValueFactory = _ => Defaults.WarmupEpochs,
    });
    private readonly Option<string> _optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd (momentum).", DefaultValueFactory = _ => AdamWStep.KindName }
        .AcceptOnlyFromAmong(AdamWStep.KindName, SgdMomentumStep.KindName);
    private readonly Option<double> _weightDecay = OptionRules.NonNegative(new Option<double>("--weight-decay")
    {
        Description = "Weight decay on weights (never on biases or normalisation parameters); AdamW's is decoupled.",
        DefaultValueFactory = _ => OptimizerStep.DefaultWeightDecay,
    });
    private readonly Option<double> _momentum = OptionRules.BelowOne(
        new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => SgdMomentumStep.DefaultMomentum });
    private readonly Option<double?> _smoothing = OptionRules.BelowOne(
        new Option<double?>("--label-smoothing") { Description = "Label smoothing ε in [0, 1). Default: the recipe's." });
    private readonly Option<string?> _validation = new("--validation")
    {
        Description = "Share of the labels held out for early stopping and choosing the best epoch, such as 10%; 0% trains on all. Default: the recipe's.",
    };
    private readonly Option<int> _patience = OptionRules.NonNegative(new Option<int>("--patience")
    {
        Description = "Epochs without a better validation loss before stopping; 0 never stops early.",
        DefaultValueFactory = _ => Defaults.Patience,
    });
    private readonly Option<ClassBalance> _balance = OptionRules.OneOf(new Option<ClassBalance>("--balance")
    {
        Description = "Class-balanced batches: auto (when classes are imbalanced), on, off.",
        DefaultValueFactory = _ => Defaults.ClassBalance,
    });
    private readonly Option<string[]?> _augment = new Option<string[]?>("--augment")
    {
        Description = "none, or crop and/or flip: a random resized crop (--min-crop-scale) and random left-right flips of every training image "
            + "at every step (the frozen prefix then runs at every step instead of once). Default: the recipe's.",
        AllowMultipleArgumentsPerToken = true,
    }.AcceptOnlyFromAmong("none", "crop", "flip");
    private readonly Option<double> _minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
    {
        Description = "With --augment crop: the smallest share of an image's area a crop keeps, in (0, 1].",
        DefaultValueFactory = _ => FineTuneJobOptions.DefaultMinCropScale,
    });
    private readonly Option<int> _seed = OptionRules.NonNegative(new Option<int>("--seed")
    {
        Description = "Seeds the labels drawn, the head's weights, the split and the batches.",
        DefaultValueFactory = _ => Defaults.Seed,
    });
    private readonly Option<string> _output = new("--out") { Description = "The run folder to write.", Required = true };
    private readonly Option<bool> _resume = new("--resume")
    {
        Description = "Continue the run in --out from its last finished epoch (same settings); a diverged run leaves nothing to resume.",
    };
    private readonly Option<ExecutionProvider> _provider = ModelOptions.ExecutionProvider();
    private readonly Option<int> _threads = ModelOptions.Threads();

    private FineTuneCommand()
    {
    }

    public static Command Create() => new FineTuneCommand().Build();

    private Command Build()
    {
        var command = new Command("finetune", "Fine-tune a classification head (and the last layers) of an encoder.onnx on labelled images.")
        {
            _data, _labels, _recipe, _head, _unfreeze, _epochs, _batchSize, _learningRate, _warmup, _optimizer, _weightDecay, _momentum, _smoothing,
            _validation, _patience, _balance, _augment, _minCropScale, _seed, _output, _resume, _provider, _threads,
        };
        foreach (Option option in _source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => RunAsync(parse, cancellationToken),
            divergedAdvice: "Nothing of the run was kept: run the same command again with a lower --lr."));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        FineTuneJobOptions options = Bind(parse, await _source.ResolveAsync(parse, cancellationToken));
        using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
        var line = new ProgressLine();
        FineTuneJobResult done;
        try
        {
            done = OptionErrors.Named(() => new FineTuneJob(logging.CreateLogger("pipeline-infer")).Run(options,
                plan => Console.Error.WriteLine(
                    $"{plan.LabelledImages} labelled images: the {plan.Recipe.Name} recipe ({plan.Recipe.Describe()}); options given here replace its settings."),
                new SynchronousProgress<FineTuneProgress>(epoch => Report(line, epoch)), cancellationToken));
        }
        catch (FineTuneRunConflictException conflict)
        {
            throw new UsageException(Advice(conflict));
        }
        FineTuneResult result = done.Training;
        Console.WriteLine(
            $"fine-tuned a {done.Config.Head} head (unfreeze {done.Config.Unfreeze}) on {done.LabelledImages} labels of {done.Config.Data} "
            + $"({result.TrainingExamples} training, {result.ValidationExamples} validation{(result.ClassBalanced ? ", class-balanced" : "")}) "
            + $"for {result.Epochs} epochs{(result.StoppedEarly ? " (stopped early)" : "")} in {result.Training.TotalSeconds:F1} s"
            + (result.FeatureCaching > TimeSpan.Zero ? $" after caching features in {result.FeatureCaching.TotalSeconds:F1} s" : "")
            + (result.ValidationAccuracy is { } accuracy ? $"; validation accuracy {accuracy:P1} (epoch {result.BestEpoch})" : "")
            + $" → {done.InferenceModelPath}");
        return 0;
    }

    private FineTuneJobOptions Bind(ParseResult parse, ResolvedModel model) => new()
    {
        Model = model.Path,
        ModelOptions = ModelOptions.Read(parse, _provider, _threads) with { ExpectedSha256 = model.Sha256 },
        Data = DatasetUri.Parse(parse.GetValue(_data)!),
        Labels = LabelledSubset.Parse(parse.GetValue(_labels)!),
        Output = parse.GetValue(_output)!,
        Resume = parse.GetValue(_resume),
        Recipe = parse.GetValue(_recipe) is { } recipe && recipe != AutoRecipe ? FineTuneRecipe.Parse(recipe) : null,
        Head = HeadSpec.Parse(parse.GetValue(_head)!),
        Unfreeze = parse.GetValue(_unfreeze) is { } unfreeze ? UnfreezeSpec.Parse(unfreeze) : null,
        Epochs = parse.GetValue(_epochs),
        BatchSize = parse.GetValue(_batchSize),
        LearningRate = parse.GetValue(_learningRate),
        WarmupEpochs = parse.GetValue(_warmup),
        Optimizer = parse.GetValue(_optimizer) == SgdMomentumStep.KindName ? FineTuneOptimizer.Sgd : FineTuneOptimizer.AdamW,
        WeightDecay = parse.GetValue(_weightDecay),
        Momentum = parse.GetValue(_momentum),
        LabelSmoothing = parse.GetValue(_smoothing),
        ValidationFraction = parse.GetValue(_validation) is { } share ? ParseShare(share) : null,
        Patience = parse.GetValue(_patience),
        ClassBalance = parse.GetValue(_balance),
        Augmentation = Augmentation(parse.GetValue(_augment)),
        MinCropScale = parse.GetValue(_minCropScale),
        Seed = parse.GetValue(_seed),
    };

    private static void Report(ProgressLine line, FineTuneProgress epoch)
    {
        string validation = epoch.ValidationLoss is { } loss ? $" validation loss {loss:F4} accuracy {epoch.ValidationAccuracy:P1}{(epoch.Best ? " *" : "")}" : "";
        line.Report((double)epoch.Epoch / epoch.Epochs,
            $"epoch {epoch.Epoch}/{epoch.Epochs} loss {epoch.TrainingLoss:F4}{validation} lr {epoch.LearningRate:G3} {epoch.Elapsed.TotalSeconds:F1} s",
            last: epoch.Epoch == epoch.Epochs);
    }

    // The library's words for a run folder that does not fit, in the options' words.
    private static string Advice(FineTuneRunConflictException conflict) => conflict.Conflict switch
    {
        FineTuneRunConflict.HoldsARun => $"{conflict.Folder} already holds a fine-tune run: pass --resume to continue it, or choose another --out.",
        FineTuneRunConflict.HoldsNoRun => $"--resume: {conflict.Folder} holds no fine-tune run ({FineTuneRunFolder.SettingsFile}) to continue.",
        _ => $"--resume continues the run in {conflict.Folder} with its own settings, and these differ: drop the changed options or start a new run.\n"
            + conflict.Difference?.Describe(),
    };

    // --augment's values as flags; left out, the option reads as no values at all: the recipe's.
    private static FineTuneAugmentation? Augmentation(string[]? given) => given is { Length: > 0 }
        ? given.Aggregate(FineTuneAugmentation.None, (all, name) => all | name switch
        {
            "crop" => FineTuneAugmentation.Crop,
            "flip" => FineTuneAugmentation.HorizontalFlip,
            _ => FineTuneAugmentation.None,
        })
        : null;

    // "10%", "0%", "0" or "0.1" → a share in [0, 1).
    private static double ParseShare(string text)
    {
        bool percent = text.EndsWith('%');
        if (double.TryParse(percent ? text[..^1] : text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            double share = percent ? value / 100 : value;
            if (share is >= 0 and < 1)
            {
                return share;
            }
        }
        throw new UsageException($"--validation '{text}' is not a share in [0%, 100%): use 10%, 0% or 0.1.");
    }
}
