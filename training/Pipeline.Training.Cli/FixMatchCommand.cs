using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
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
    /// <summary>The library's defaults, shown in the help and taken when an option is left out; the required settings come from the command line.</summary>
    private static readonly FixMatchOptions Defaults = new() { Student = "", Labels = "", Output = "" };

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
            DefaultValueFactory = _ => Defaults.Data,
        }, DatasetUri.Parse);
        var epochs = StudentTraining.Epochs();
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { Description = "Training images per step (each seen as a weak and a strong view).", DefaultValueFactory = _ => Defaults.BatchSize });
        var labelledBatchSize = OptionRules.Positive(new Option<int>("--labelled-batch-size")
        {
            Description = "Labelled images per step, drawn with replacement.",
            DefaultValueFactory = _ => Defaults.LabelledBatchSize,
        });
        var learningRate = StudentTraining.LearningRate();
        var weightDecay = StudentTraining.WeightDecay();
        var confidence = OptionRules.AboveZeroUpToOne(new Option<double>("--confidence")
        {
            Description = "τ: a prediction on a weak view becomes the label of the strong view when its probability is at least this.",
            DefaultValueFactory = _ => Defaults.Confidence,
        });
        var unlabelledWeight = OptionRules.NonNegative(new Option<double>("--unlabelled-weight")
        {
            Description = "λ_u: the weight of the pseudo-labelled term against the labelled one.",
            DefaultValueFactory = _ => Defaults.UnlabelledWeight,
        });
        var minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
        {
            Description = "The strong views: smallest random-resized-crop area, as a fraction of the image.",
            DefaultValueFactory = _ => Defaults.MinCropScale,
        });
        var erasing = OptionRules.Probability(new Option<double>("--erasing-probability")
        {
            Description = "The strong views: probability of erasing a rectangle (Cutout).",
            DefaultValueFactory = _ => Defaults.ErasingProbability,
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
            var options = new FixMatchOptions
            {
                Student = parse.GetValue(student)!,
                Labels = parse.GetValue(labels)!,
                Data = parse.GetValue(data)!,
                Output = parse.GetValue(output)!,
                Resume = parse.GetValue(resume),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                LabelledBatchSize = parse.GetValue(labelledBatchSize),
                LearningRate = parse.GetValue(learningRate),
                WeightDecay = parse.GetValue(weightDecay),
                Confidence = parse.GetValue(confidence),
                UnlabelledWeight = parse.GetValue(unlabelledWeight),
                MinCropScale = parse.GetValue(minCropScale),
                ErasingProbability = parse.GetValue(erasing),
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
            };
            OptionErrors.Named(() => new FixMatchJob().Run(options, ConsoleProgress.Observer(Describe, "trained"), cancellationToken));
            return Task.FromResult(ExitCodes.Success);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }

    private static string Describe(PretrainPlan plan)
    {
        (ImageSet images, PretrainConfig config) = (plan.Images, plan.Config);
        FixMatchSettings fixMatch = config.FixMatch!;
        return $"FixMatch: {config.Encoder.Architecture} D={config.Encoder.EmbeddingDim} from {fixMatch.StudentInit}, {fixMatch.LabelledIds.Count} labelled images of {images.Count} in {images.Source} "
            + $"({images.ClassNames.Count} classes), {config.Epochs} epochs of {config.StepsPerEpoch(images.Count)} steps, batch {config.BatchSize} + {fixMatch.LabelledBatchSize} labelled, "
            + $"adam lr {config.Optimizer.LearningRate:G4}, confidence {fixMatch.Confidence}, λ_u {fixMatch.UnlabelledWeight} → {plan.Run.Path}";
    }
}
