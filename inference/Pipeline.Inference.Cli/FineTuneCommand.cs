using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Inference.Embed;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>finetune</c> verb: generates fine-tune artifacts from an encoder.onnx, trains the head (and the layers asked
/// for) on labelled images with <see cref="FineTuner"/>, and writes <c>inference_model.onnx</c>.
/// </summary>
public static class FineTuneCommand
{
    private const string AutoRecipe = "auto";

    public static Command Create()
    {
        var defaults = new FineTuneOptions();
        var source = new ModelSource();
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = $"Labelled images: {DatasetUri.AcceptedForms} (a folder with one subfolder per class).",
            Required = true,
        }, DatasetUri.Parse);
        var labels = OptionRules.ParsedBy(new Option<string>("--labels")
        {
            Description = $"Which labels to train with: {LabelledSubset.AcceptedForms}. A fraction or count is drawn class-balanced and seeded; "
                + "a file's images take their labels from --data.",
            DefaultValueFactory = _ => "100%",
        }, LabelledSubset.Parse);
        var head = OptionRules.ParsedBy(new Option<string>("--head") { Description = $"The head: {HeadSpec.AcceptedForms}.", DefaultValueFactory = _ => "linear" }, HeadSpec.Parse);
        var recipe = new Option<string>("--recipe")
        {
            Description = $"The settings taken where none is given: full ({FineTuneRecipe.Full.Describe()}), "
                + $"frozen ({FineTuneRecipe.Frozen.Describe()}), or auto: full for at most {FineTuneRecipe.FullUpToImages} labelled images, frozen for more.",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong([AutoRecipe, .. FineTuneRecipe.All.Select(known => known.Name)]);
        var unfreeze = OptionRules.ParsedBy(new Option<string?>("--unfreeze")
        {
            Description = $"What of the encoder trains with the head: {UnfreezeSpec.AcceptedForms}. Default: the recipe's.",
        }, UnfreezeSpec.Parse);
        var epochs = OptionRules.Positive(new Option<int?>("--epochs") { Description = "Epochs, at most. Default: the recipe's." });
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => defaults.BatchSize });
        var learningRate = OptionRules.Positive(new Option<double?>("--lr") { Description = "Peak learning rate (cosine decay to 0 after the warm-up). Default: the recipe's." });
        var warmup = OptionRules.NonNegative(new Option<double>("--warmup-epochs") { Description = "Epochs of linear warm-up (at most a tenth of the run).", DefaultValueFactory = _ => 0 });
        var optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd (momentum).", DefaultValueFactory = _ => AdamWStep.KindName }
            .AcceptOnlyFromAmong(AdamWStep.KindName, SgdMomentumStep.KindName);
        var weightDecay = OptionRules.NonNegative(new Option<double>("--weight-decay")
        {
            Description = "Weight decay on weights (never on biases or normalisation parameters); AdamW's is decoupled.",
            DefaultValueFactory = _ => 1e-4,
        });
        var momentum = OptionRules.BelowOne(new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 });
        var smoothing = OptionRules.BelowOne(new Option<double?>("--label-smoothing") { Description = "Label smoothing ε in [0, 1). Default: the recipe's." });
        var validation = new Option<string?>("--validation")
        {
            Description = "Share of the labels held out for early stopping and choosing the best epoch, such as 10%; 0% trains on all. Default: the recipe's.",
        };
        var patience = OptionRules.NonNegative(new Option<int>("--patience")
        {
            Description = "Epochs without a better validation loss before stopping; 0 never stops early.",
            DefaultValueFactory = _ => defaults.Patience,
        });
        var balance = new Option<ClassBalance>("--balance")
        {
            Description = "Class-balanced batches: auto (when classes are imbalanced), on, off.",
            DefaultValueFactory = _ => ClassBalance.Auto,
        };
        var augment = new Option<string[]?>("--augment")
        {
            Description = "none, or crop and/or flip: a random resized crop (--min-crop-scale) and random left-right flips of every training image "
                + "at every step (the frozen prefix then runs at every step instead of once). Default: the recipe's.",
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnlyFromAmong("none", "crop", "flip");
        var minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
        {
            Description = "With --augment crop: the smallest share of an image's area a crop keeps, in (0, 1].",
            DefaultValueFactory = _ => 0.5,
        });
        var seed = OptionRules.NonNegative(new Option<int>("--seed") { Description = "Seeds the labels drawn, the head's weights, the split and the batches.", DefaultValueFactory = _ => 0 });
        var output = new Option<string>("--out") { Description = "The run folder to write.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last finished epoch (same settings); a diverged run leaves nothing to resume." };
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("finetune", "Fine-tune a classification head (and the last layers) of an encoder.onnx on labelled images.")
        {
            data, labels, recipe, head, unfreeze, epochs, batchSize, learningRate, warmup, optimizer, weightDecay, momentum, smoothing,
            validation, patience, balance, augment, minCropScale, seed, output, resume, provider, threads,
        };
        foreach (Option option in source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            string folder = parse.GetValue(output)!;
            ResolvedModel resolved = await source.ResolveAsync(parse, cancellationToken);
            string encoder = resolved.Path;
            if (!File.Exists(encoder))
            {
                throw new FileNotFoundException($"{encoder} does not exist: give the encoder.onnx that pipeline-train export wrote.", encoder);
            }
            string sha256 = FileDigest.Of(encoder).Sha256;
            if (resolved.Sha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{encoder} has SHA-256 {sha256}, not the registry manifest's {expected}: delete it from the cache (--cache) and run again.");
            }
            string dataUri = DatasetUri.Parse(parse.GetValue(data)!).ToString();
            string labelSubset = LabelledSubset.Parse(parse.GetValue(labels)!).ToString();
            int seedValue = parse.GetValue(seed);
            (ImageSet labelled, string[] labelledIds) = LabelledImages(dataUri, labelSubset, seedValue, encoder, cancellationToken);
            string recipeName = parse.GetValue(recipe)!;
            FineTuneRecipe chosen = recipeName == AutoRecipe ? FineTuneRecipe.For(labelled.Count) : FineTuneRecipe.Parse(recipeName);
            Console.Error.WriteLine($"{labelled.Count} labelled images: the {chosen.Name} recipe ({chosen.Describe()}); options given here replace its settings.");
            // Left out, the option reads as no values at all.
            string[]? augmentations = parse.GetValue(augment) is { Length: > 0 } given ? given : null;
            var run = new FineTuneRun
            {
                Model = encoder,
                ModelSha256 = sha256,
                Data = dataUri,
                Labels = labelSubset,
                Head = HeadSpec.Parse(parse.GetValue(head)!).ToString(),
                Unfreeze = UnfreezeSpec.Parse(parse.GetValue(unfreeze) ?? chosen.Unfreeze).ToString(),
                Optimizer = parse.GetValue(optimizer)!,
                WeightDecay = parse.GetValue(weightDecay),
                Momentum = parse.GetValue(momentum),
                LabelSmoothing = parse.GetValue(smoothing) ?? chosen.LabelSmoothing,
                Training = new FineTuneOptions
                {
                    Epochs = parse.GetValue(epochs) ?? chosen.Epochs,
                    BatchSize = parse.GetValue(batchSize),
                    LearningRate = parse.GetValue(learningRate) ?? chosen.LearningRate,
                    WarmupEpochs = parse.GetValue(warmup),
                    ValidationFraction = parse.GetValue(validation) is { } share ? ParseShare(share) : chosen.ValidationFraction,
                    Patience = parse.GetValue(patience),
                    ClassBalance = parse.GetValue(balance),
                    HorizontalFlip = augmentations?.Contains("flip") ?? chosen.HorizontalFlip,
                    MinCropScale = augmentations?.Contains("crop") ?? chosen.Crop ? parse.GetValue(minCropScale) : 1,
                    Seed = seedValue,
                },
            };
            run.Training.Validate();
            FineTuneRun? saved = FineTuneRun.Read(folder);
            bool resuming = parse.GetValue(resume);
            if (resuming)
            {
                run.RequireSameAs(saved ?? throw new UsageException($"--resume: {folder} holds no fine-tune run ({FineTuneRun.SettingsFile}) to continue."), folder);
            }
            else if (saved is not null)
            {
                throw new UsageException($"{folder} already holds a fine-tune run: pass --resume to continue it, or choose another --out.");
            }

            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            string artifacts = Path.Combine(folder, FineTuneRun.ArtifactsFolder);
            var sessions = ModelOptions.Read(parse, provider, threads);
            ILogger logger = logging.CreateLogger("pipeline-infer");
            if (!resuming)
            {
                EmbeddingStandardization standardization = Standardization(encoder, labelled, sessions, logger, cancellationToken);
                new FineTuneArtifactGenerator().Generate(encoder, ArtifactOptions(run, labelled.ClassNames, standardization), artifacts);
                ImageIdFile.Write(Path.Combine(folder, FineTuneRun.LabelledFile), labelledIds);
                // Last: a folder with settings has its artifacts, so --resume finds them.
                run.Write(folder);
            }

            string inferenceModel = Path.Combine(folder, FineTuneRun.InferenceModelFile);
            FineTuneResult result;
            string summary;
            try
            {
                using FineTuner tuner = FineTuner.Open(artifacts, sessions.ExecutionProvider, sessions.IntraOpThreads, logger);
                result = Train(tuner, labelled, run, folder, resuming, cancellationToken);
                summary = Summary(run, result);
                tuner.ExportInferenceModel(inferenceModel, summary);
            }
            catch (TrainingDivergedException)
            {
                // These settings cannot finish, resumed or not: leave nothing, so that the same command with a lower
                // learning rate starts afresh.
                FineTuneRun.Delete(folder);
                throw;
            }
            AtomicFile.WriteAllText(Path.Combine(folder, FineTuneRun.ResultFile), summary);
            Console.WriteLine(
                $"fine-tuned a {run.Head} head (unfreeze {run.Unfreeze}) on {labelled.Count} labels of {run.Data} "
                + $"({result.TrainingExamples} training, {result.ValidationExamples} validation{(result.ClassBalanced ? ", class-balanced" : "")}) "
                + $"for {result.Epochs} epochs{(result.StoppedEarly ? " (stopped early)" : "")} in {result.Training.TotalSeconds:F1} s"
                + (result.FeatureCaching > TimeSpan.Zero ? $" after caching features in {result.FeatureCaching.TotalSeconds:F1} s" : "")
                + (result.ValidationAccuracy is { } accuracy ? $"; validation accuracy {accuracy:P1} (epoch {result.BestEpoch})" : "")
                + $" → {inferenceModel}");
            return 0;
        }, divergedAdvice: "Nothing of the run was kept: run the same command again with a lower --lr."));
        return command;
    }

    // The dataset at the encoder's input size, then the subset whose labels may be used (drawn, or listed in a file), and
    // those images' ids.
    private static (ImageSet Labelled, string[] Ids) LabelledImages(string data, string labels, int seed, string encoder, CancellationToken cancellationToken)
    {
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(encoder);
        ImageSet images = DatasetLoader.Load(data, new ImageShape(metadata.Channels, metadata.Height, metadata.Width), cancellationToken);
        images.RequireLabels();
        if (images.ClassNames.Count < 2)
        {
            throw new DataFormatException(data, $"has {images.ClassNames.Count} class: a classifier needs at least two (one subfolder per class).");
        }
        int[] indices = LabelledSubset.Parse(labels).Select(images, seed);
        return (images.Select(indices), [.. indices.Select(index => ImageIds.Of(images, index))]);
    }

    // The labelled images' embedding statistics, which the head standardises its input with.
    private static EmbeddingStandardization Standardization(string encoder, ImageSet labelled, EmbeddingModelOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        using EmbeddingModel model = EmbeddingModel.Load(encoder, options, logger);
        return EmbeddingStandardization.Measure(model.EmbedBytes(labelled.Pixels, 256, cancellationToken: cancellationToken), model.EmbeddingDim);
    }

    private static FineTuneArtifactOptions ArtifactOptions(FineTuneRun run, IReadOnlyList<string> classNames, EmbeddingStandardization standardization) => new()
    {
        ClassNames = classNames,
        Standardization = standardization,
        Head = HeadSpec.Parse(run.Head),
        Unfreeze = UnfreezeSpec.Parse(run.Unfreeze),
        Optimizer = run.Optimizer == SgdMomentumStep.KindName
            ? new SgdMomentumStep(run.Momentum, run.WeightDecay)
            : new AdamWStep(WeightDecay: run.WeightDecay),
        LabelSmoothing = run.LabelSmoothing,
        // Nothing to cache when the images are augmented at every step or when every layer trains.
        CacheFeatures = !run.Training.Augments && !UnfreezeSpec.Parse(run.Unfreeze).Everything,
        Seed = run.Training.Seed,
    };

    private static FineTuneResult Train(FineTuner tuner, ImageSet labelled, FineTuneRun run, string folder, bool resuming,
        CancellationToken cancellationToken)
    {
        var line = new ProgressLine();
        using JsonLinesLog<FineTuneProgress> metrics = JsonLinesLog<FineTuneProgress>.Open(Path.Combine(folder, FineTuneRun.MetricsFile), RunJson.SnakeCase);
        var progress = new SynchronousProgress<FineTuneProgress>(epoch =>
        {
            metrics.Write(epoch);
            string validation = epoch.ValidationLoss is { } loss ? $" validation loss {loss:F4} accuracy {epoch.ValidationAccuracy:P1}{(epoch.Best ? " *" : "")}" : "";
            line.Report((double)epoch.Epoch / epoch.Epochs,
                $"epoch {epoch.Epoch}/{epoch.Epochs} loss {epoch.TrainingLoss:F4}{validation} lr {epoch.LearningRate:G3} {epoch.Elapsed.TotalSeconds:F1} s",
                last: epoch.Epoch == epoch.Epochs);
        });
        string checkpoint = Path.Combine(folder, FineTuneRun.CheckpointFile);
        // A run stopped in its first epoch has no checkpoint yet: resumed, it starts from the artifacts' initial weights.
        return tuner.Fit(labelled, run.Training, checkpoint, resuming && File.Exists(checkpoint), progress, cancellationToken);
    }

    private static string Summary(FineTuneRun run, FineTuneResult result) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["source_encoder_sha256"] = run.ModelSha256,
        ["data"] = run.Data,
        ["labels"] = run.Labels,
        ["head"] = run.Head,
        ["unfreeze"] = run.Unfreeze,
        ["optimizer"] = run.Optimizer,
        ["learning_rate"] = run.Training.LearningRate,
        ["epochs"] = result.Epochs,
        ["best_epoch"] = result.BestEpoch,
        ["stopped_early"] = result.StoppedEarly,
        ["training_examples"] = result.TrainingExamples,
        ["validation_examples"] = result.ValidationExamples,
        ["validation_accuracy"] = result.ValidationAccuracy,
        ["validation_loss"] = result.ValidationLoss,
        ["training_loss"] = result.TrainingLoss,
        ["training_seconds"] = result.Training.TotalSeconds,
        ["feature_caching_seconds"] = result.FeatureCaching.TotalSeconds,
        ["created_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    });

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
