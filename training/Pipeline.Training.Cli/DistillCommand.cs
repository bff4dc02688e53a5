using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.Distillation;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// The <c>distill</c> verb: SimCLRv2's self-distillation. A classifier fine-tuned on the few labels (the teacher, run by
/// ONNX Runtime) labels every training image with its probabilities, and a student — the pretrained encoder plus a
/// linear head — learns them on TorchSharp; the result is an <c>inference_model.onnx</c> like a fine-tune's. Binds its
/// options into <see cref="DistillOptions"/> and runs the <see cref="DistillJob"/>.
/// </summary>
public sealed class DistillCommand
{
    /// <summary>The library's defaults, shown in the help and taken when an option is left out; the required settings come from the command line.</summary>
    private static readonly DistillOptions Defaults = new() { Teachers = [], Student = "", Output = "" };

    private readonly Option<string[]> _teacher = new("--teacher")
    {
        Description = "The teacher: the inference_model.onnx that pipeline-infer finetune wrote; several (fine-tunes on the same labels with other seeds) "
            + "label together, their probabilities averaged.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly StudentTraining _run = new(Defaults,
        student: "The pretraining run folder whose encoder the student starts from (its newest checkpoint).",
        data: "The images the teacher labels and the student learns from, labelled or not: fashion-mnist:train or folder:/path.",
        batchSize: "Images per step.",
        resume: "Continue the run in --out from its newest checkpoint (same options and teacher; --lr may be lowered).");
    private readonly Option<double> _temperature = OptionRules.Positive(new Option<double>("--temperature")
    {
        Description = "τ: teacher and student logits are divided by it before the softmax (SimCLRv2: 1).",
        DefaultValueFactory = _ => Defaults.Temperature,
    });
    private readonly Option<double> _minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
    {
        Description = "The student's views: smallest random-resized-crop area, as a fraction of the image.",
        DefaultValueFactory = _ => Defaults.MinCropScale,
    });
    private readonly Option<double> _flipProbability = OptionRules.Probability(new Option<double>("--flip-probability")
    {
        Description = "The student's views: probability of a horizontal flip.",
        DefaultValueFactory = _ => Defaults.FlipProbability,
    });
    private readonly Option<TeacherInput> _teacherInput = OptionRules.OneOf(new Option<TeacherInput>("--teacher-input")
    {
        Description = "What the teacher labels: the student's augmented view (SimCLRv2) or the un-augmented image (Noisy Student: only the student is noised).",
        DefaultValueFactory = _ => Defaults.TeacherInput,
    });
    private readonly Option<string?> _labels = OptionRules.ParsedBy(new Option<string?>("--labels")
    {
        Description = $"Labelled images whose true labels the student learns too, beside the teacher's targets (SimCLRv2's ground-truth term): {LabelledSubset.AcceptedForms}. "
            + "A fraction or count is drawn class-balanced with --seed, as finetune draws it (so the same --labels and --seed name the teacher's labels); "
            + "a file's images (finetune's labelled.csv) take their labels from --data. Without it the student learns from the teacher alone.",
    }, LabelledSubset.Parse);
    private readonly Option<double?> _labelledWeight = OptionRules.Positive(new Option<double?>("--labelled-weight")
    {
        Description = $"The weight of the labelled images' cross-entropy against the distillation term (with --labels; default {LabelledTerm.DefaultWeight}).",
    });
    private readonly Option<int?> _labelledBatchSize = OptionRules.Positive(new Option<int?>("--labelled-batch-size")
    {
        Description = $"Labelled images per step, drawn with replacement (with --labels; default {LabelledTerm.DefaultBatchSize}).",
    });

    private DistillCommand()
    {
    }

    public static Command Create() => new DistillCommand().Build();

    private Command Build()
    {
        var command = new Command("distill", "Distil a fine-tuned teacher into the pretrained encoder plus a linear head on all images (SimCLRv2); writes a run folder and inference_model.onnx.")
        {
            _teacher, _run.Student, _run.Data, _labels, _labelledWeight, _labelledBatchSize, _run.Epochs, _run.BatchSize, _run.LearningRate, _run.WeightDecay,
            _temperature, _minCropScale, _flipProbability, _teacherInput, _run.Seed, _run.Output, _run.Resume, _run.Device, _run.Threads, _run.Precision,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            OptionErrors.Named(() => new DistillJob().Run(Bind(parse), ConsoleProgress.Observer(Describe, "distilled"), cancellationToken));
            return Task.FromResult(ExitCodes.Success);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }

    private DistillOptions Bind(ParseResult parse) => _run.Bind(parse, new DistillOptions
    {
        Teachers = parse.GetValue(_teacher)!,
        Student = parse.GetValue(_run.Student)!,
        Output = parse.GetValue(_run.Output)!,
        Labels = parse.GetValue(_labels),
        LabelledWeight = parse.GetValue(_labelledWeight),
        LabelledBatchSize = parse.GetValue(_labelledBatchSize),
        Temperature = parse.GetValue(_temperature),
        MinCropScale = parse.GetValue(_minCropScale),
        FlipProbability = parse.GetValue(_flipProbability),
        TeacherInput = parse.GetValue(_teacherInput),
    });

    private static string Describe(PretrainPlan plan)
    {
        (ImageSet images, PretrainConfig config) = (plan.Images, plan.Config);
        var distillation = (DistillationSettings)config.Method;
        IReadOnlyList<TeacherFile> teachers = distillation.Teachers;
        LabelledTerm? labelled = distillation.Labelled;
        return $"Distilling {string.Join(" + ", teachers.Select(file => file.Path))} ({distillation.ClassNames.Length} classes) into {config.Encoder.Architecture} "
            + $"D={config.Encoder.EmbeddingDim} from {distillation.StudentInit} on {images.Count} images of {images.Source}, {config.Epochs} epochs of "
            + $"{config.StepsPerEpoch(images.Count)} steps, batch {config.BatchSize}, adam lr {config.Optimizer.LearningRate:G4}, τ {distillation.Temperature}, "
            + $"the {(teachers.Count > 1 ? $"{teachers.Count} teachers label" : "teacher labels")} the {(distillation.TeacherInput == TeacherInput.Image ? "un-augmented image" : "student's view")}"
            + (labelled is null ? "" : $", + {labelled.Weight} × the labels of {labelled.LabelledIds.Count} images, {labelled.BatchSize} a step")
            + $" → {plan.Run.Path}";
    }
}
