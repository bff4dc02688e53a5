using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Cli;

/// <summary>
/// The <c>fixmatch</c> verb: semi-supervised training (Sohn et al. 2020) of the pretrained encoder plus a linear head on
/// the few labelled images and, through its own confident predictions, on all the others; the result is an
/// <c>inference_model.onnx</c> like a fine-tune's.
/// </summary>
public static class FixMatchCommand
{
    public static Command Create()
    {
        var student = new Option<string>("--student")
        {
            Description = "The run folder the model starts from (its newest checkpoint): a pretraining run (simclr, rotation; the head starts random) "
                + "or a distill or fixmatch run (encoder and head).",
            Required = true,
        };
        var labels = new Option<string>("--labels")
        {
            Description = "The labelled images: a file of ids of --data (the labelled.csv pipeline-infer finetune wrote, or what select chose); their labels come from the data.",
            Required = true,
        };
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = "The training images, labelled ones among them: fashion-mnist:train or folder:/path (classes from subfolders).",
            DefaultValueFactory = _ => "fashion-mnist:train",
        }, DatasetUri.Parse);
        var epochs = StudentTraining.Epochs();
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { Description = "Training images per step (each seen as a weak and a strong view).", DefaultValueFactory = _ => 256 });
        var labelledBatchSize = OptionRules.Positive(new Option<int>("--labelled-batch-size")
        {
            Description = "Labelled images per step, drawn with replacement.",
            DefaultValueFactory = _ => FixMatchSettings.DefaultLabelledBatchSize,
        });
        var learningRate = StudentTraining.LearningRate();
        var weightDecay = StudentTraining.WeightDecay();
        var confidence = OptionRules.AboveZeroUpToOne(new Option<double>("--confidence")
        {
            Description = "τ: a prediction on a weak view becomes the label of the strong view when its probability is at least this.",
            DefaultValueFactory = _ => FixMatchSettings.DefaultConfidence,
        });
        var unlabelledWeight = OptionRules.NonNegative(new Option<double>("--unlabelled-weight")
        {
            Description = "λ_u: the weight of the pseudo-labelled term against the labelled one.",
            DefaultValueFactory = _ => 1.0,
        });
        var minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
        {
            Description = "The strong views: smallest random-resized-crop area, as a fraction of the image.",
            DefaultValueFactory = _ => FixMatchSettings.DefaultStrongAugmentation.CropScale.Min,
        });
        var erasing = OptionRules.Probability(new Option<double>("--erasing-probability")
        {
            Description = "The strong views: probability of erasing a rectangle (Cutout).",
            DefaultValueFactory = _ => FixMatchSettings.DefaultStrongAugmentation.ErasingProbability,
        });
        var seed = SharedOptions.Seed();
        var output = new Option<string>("--out") { Description = "The run folder to write.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint (same options; --lr may be lowered)." };
        var device = SharedOptions.Device();
        var threads = SharedOptions.Threads();

        var command = new Command("fixmatch", "Semi-supervised training (FixMatch) of the pretrained encoder plus a linear head on the labelled images and, "
            + "through its own confident predictions, all the others; writes a run folder and inference_model.onnx.")
        {
            student, labels, data, epochs, batchSize, labelledBatchSize, learningRate, weightDecay, confidence, unlabelledWeight, minCropScale, erasing, seed,
            output, resume, device, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            (PretrainConfig pretrained, string studentInit) = StudentTraining.Start(parse.GetValue(student)!, classifierRuns: true);
            string labelsPath = Path.GetFullPath(parse.GetValue(labels)!);
            IReadOnlyList<string> labelledIds = ImageIdOption.Read(labels.Name, labelsPath);

            string dataUri = parse.GetValue(data)!;
            var spec = pretrained.Encoder;
            Console.Error.WriteLine($"Loading {dataUri}…");
            ImageSet images = DatasetLoader.Load(dataUri, new ImageShape(spec.InputChannels, spec.InputHeight, spec.InputWidth), cancellationToken);
            if (images.Labels is null)
            {
                throw new UsageException($"--data {dataUri} has no labels, so the images --labels lists have none: "
                    + "give labelled data (fashion-mnist:train, or a folder with one subfolder per class).");
            }
            ImageIdOption.Resolve(labels.Name, images, labelledIds, labelsPath);
            int epochCount = parse.GetValue(epochs);
            PretrainConfig config = StudentTraining.Config(PretextMethods.FixMatch, dataUri, pretrained, images.Count, epochCount, parse.GetValue(batchSize),
                parse.GetValue(seed), parse.GetValue(learningRate), parse.GetValue(weightDecay)) with
            {
                FixMatch = new FixMatchSettings(studentInit, labelledIds, [.. images.ClassNames], parse.GetValue(confidence), parse.GetValue(unlabelledWeight),
                    parse.GetValue(labelledBatchSize), FixMatchSettings.DefaultWeakAugmentation,
                    FixMatchSettings.DefaultStrongAugmentation with
                    {
                        CropScale = (parse.GetValue(minCropScale), 1.0),
                        ErasingProbability = parse.GetValue(erasing),
                    }),
            };

            var run = new RunDirectory(parse.GetValue(output)!);
            Console.Error.WriteLine(
                $"FixMatch: {spec.Architecture} D={spec.EmbeddingDim} from {studentInit}, {labelledIds.Count} labelled images of {images.Count} in {images.Source} "
                + $"({images.ClassNames.Count} classes), {epochCount} epochs of {config.StepsPerEpoch(images.Count)} steps, batch {config.BatchSize} + {config.FixMatch.LabelledBatchSize} labelled, "
                + $"adam lr {config.Optimizer.LearningRate:G4}, confidence {config.FixMatch.Confidence}, λ_u {config.FixMatch.UnlabelledWeight} → {run.Path}");
            StudentTraining.TrainAndExport(config, images, run, parse.GetValue(resume), parse.GetValue(device)!, "trained", new Dictionary<string, object>
            {
                ["method"] = PretextMethods.FixMatch,
                ["student_init"] = studentInit,
                ["labels"] = labelsPath,
                ["labelled_images"] = labelledIds.Count,
                ["data"] = dataUri,
                ["epochs"] = epochCount,
                ["confidence"] = config.FixMatch.Confidence,
            }, cancellationToken);
            return Task.FromResult(0);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }
}
