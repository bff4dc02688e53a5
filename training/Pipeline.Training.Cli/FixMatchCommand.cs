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
public sealed class FixMatchCommand
{
    /// <summary>The library's defaults, shown in the help and taken when an option is left out; the required settings come from the command line.</summary>
    private static readonly FixMatchOptions Defaults = new() { Student = "", Labels = "", Output = "" };

    private readonly StudentTraining _run = new(Defaults,
        student: "The run folder the model starts from (its newest checkpoint): a pretraining run (simclr, rotation; the head starts random) "
            + "or a distill or fixmatch run (encoder and head).",
        data: "The training images, labelled ones among them: fashion-mnist:train or folder:/path (classes from subfolders).",
        batchSize: "Training images per step (each seen as a weak and a strong view).",
        resume: "Continue the run in --out from its newest checkpoint (same options; --lr may be lowered).");
    private readonly Option<string> _labels = new Option<string>("--labels")
    {
        Description = "The labelled images: a file of ids of --data (the labelled.csv pipeline-infer finetune wrote, or what select chose); their labels come from the data.",
        Required = true,
    };
    private readonly Option<int> _labelledBatchSize = OptionRules.Positive(new Option<int>("--labelled-batch-size")
    {
        Description = "Labelled images per step, drawn with replacement.",
        DefaultValueFactory = _ => Defaults.LabelledBatchSize,
    });
    private readonly Option<double> _confidence = OptionRules.AboveZeroUpToOne(new Option<double>("--confidence")
    {
        Description = "τ: a prediction on a weak view becomes the label of the strong view when its probability is at least this.",
        DefaultValueFactory = _ => Defaults.Confidence,
    });
    private readonly Option<double> _unlabelledWeight = OptionRules.NonNegative(new Option<double>("--unlabelled-weight")
    {
        Description = "λ_u: the weight of the pseudo-labelled term against the labelled one.",
        DefaultValueFactory = _ => Defaults.UnlabelledWeight,
    });
    private readonly Option<double> _minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
    {
        Description = "The strong views: smallest random-resized-crop area, as a fraction of the image.",
        DefaultValueFactory = _ => Defaults.MinCropScale,
    });
    private readonly Option<double> _erasing = OptionRules.Probability(new Option<double>("--erasing-probability")
    {
        Description = "The strong views: probability of erasing a rectangle (Cutout).",
        DefaultValueFactory = _ => Defaults.ErasingProbability,
    });

    private FixMatchCommand()
    {
    }

    public static Command Create() => new FixMatchCommand().Build();

    private Command Build()
    {
        var command = new Command("fixmatch", "Semi-supervised training (FixMatch) of the pretrained encoder plus a linear head on the labelled images and, "
            + "through its own confident predictions, all the others; writes a run folder and inference_model.onnx.")
        {
            _run.Student, _labels, _run.Data, _run.Epochs, _run.BatchSize, _labelledBatchSize, _run.LearningRate, _run.WeightDecay, _confidence, _unlabelledWeight,
            _minCropScale, _erasing, _run.Seed, _run.Output, _run.Resume, _run.Device, _run.Threads, _run.Precision,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            OptionErrors.Named(() => new FixMatchJob().Run(Bind(parse), ConsoleProgress.Observer(Describe, "trained"), cancellationToken));
            return Task.FromResult(ExitCodes.Success);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }

    private FixMatchOptions Bind(ParseResult parse) => _run.Bind(parse, new FixMatchOptions
    {
        Student = parse.GetValue(_run.Student)!,
        Output = parse.GetValue(_run.Output)!,
        Labels = parse.GetValue(_labels)!,
        LabelledBatchSize = parse.GetValue(_labelledBatchSize),
        Confidence = parse.GetValue(_confidence),
        UnlabelledWeight = parse.GetValue(_unlabelledWeight),
        MinCropScale = parse.GetValue(_minCropScale),
        ErasingProbability = parse.GetValue(_erasing),
    });

    private static string Describe(PretrainPlan plan)
    {
        (ImageSet images, PretrainConfig config) = (plan.Images, plan.Config);
        var fixMatch = (FixMatchSettings)config.Method;
        return $"FixMatch: {config.Encoder.Architecture} D={config.Encoder.EmbeddingDim} from {fixMatch.StudentInit}, {fixMatch.LabelledIds.Count} labelled images of {images.Count} in {images.Source} "
            + $"({images.ClassNames.Count} classes), {config.Epochs} epochs of {config.StepsPerEpoch(images.Count)} steps, batch {config.BatchSize} + {fixMatch.LabelledBatchSize} labelled, "
            + $"adam lr {config.Optimizer.LearningRate:G4}, confidence {fixMatch.Confidence}, λ_u {fixMatch.UnlabelledWeight} → {plan.Run.Path}";
    }
}
