using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Runs;
using Pipeline.Training.Distillation;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// The <c>distill</c> verb: SimCLRv2's self-distillation. A classifier fine-tuned on the few labels (the teacher, run by
/// ONNX Runtime) labels every training image with its probabilities, and a student — the pretrained encoder plus a
/// linear head — learns them on TorchSharp; the result is an <c>inference_model.onnx</c> like a fine-tune's.
/// </summary>
public static class DistillCommand
{
    public static Command Create()
    {
        var teacher = new Option<string[]>("--teacher")
        {
            Description = "The teacher: the inference_model.onnx that pipeline-infer finetune wrote; several (fine-tunes on the same labels with other seeds) "
                + "label together, their probabilities averaged.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var student = new Option<string>("--student")
        {
            Description = "The pretraining run folder whose encoder the student starts from (its newest checkpoint).",
            Required = true,
        };
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = "The images the teacher labels and the student learns from, labelled or not: fashion-mnist:train or folder:/path.",
            DefaultValueFactory = _ => "fashion-mnist:train",
        }, DatasetUri.Parse);
        var epochs = StudentTraining.Epochs();
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 256 });
        var learningRate = StudentTraining.LearningRate();
        var weightDecay = StudentTraining.WeightDecay();
        var temperature = OptionRules.Positive(new Option<double>("--temperature")
        {
            Description = "τ: teacher and student logits are divided by it before the softmax (SimCLRv2: 1).",
            DefaultValueFactory = _ => 1.0,
        });
        var minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
        {
            Description = "The student's views: smallest random-resized-crop area, as a fraction of the image.",
            DefaultValueFactory = _ => DistillationSettings.DefaultAugmentation.CropScale.Min,
        });
        var flipProbability = OptionRules.Probability(new Option<double>("--flip-probability")
        {
            Description = "The student's views: probability of a horizontal flip.",
            DefaultValueFactory = _ => DistillationSettings.DefaultAugmentation.HorizontalFlipProbability,
        });
        var teacherInput = new Option<TeacherInput>("--teacher-input")
        {
            Description = "What the teacher labels: the student's augmented view (SimCLRv2) or the un-augmented image (Noisy Student: only the student is noised).",
            DefaultValueFactory = _ => TeacherInput.View,
        };
        var labels = OptionRules.ParsedBy(new Option<string>("--labels")
        {
            Description = $"Labelled images whose true labels the student learns too, beside the teacher's targets (SimCLRv2's ground-truth term): {LabelledSubset.AcceptedForms}. "
                + "A fraction or count is drawn class-balanced with --seed, as finetune draws it (so the same --labels and --seed name the teacher's labels); "
                + "a file's images (finetune's labelled.csv) take their labels from --data. Without it the student learns from the teacher alone.",
        }, LabelledSubset.Parse);
        var labelledWeight = OptionRules.Positive(new Option<double>("--labelled-weight")
        {
            Description = "The weight of the labelled images' cross-entropy against the distillation term (with --labels).",
            DefaultValueFactory = _ => LabelledTerm.DefaultWeight,
        });
        var labelledBatchSize = OptionRules.Positive(new Option<int>("--labelled-batch-size")
        {
            Description = "Labelled images per step, drawn with replacement (with --labels).",
            DefaultValueFactory = _ => LabelledTerm.DefaultBatchSize,
        });
        var seed = SharedOptions.Seed();
        var output = new Option<string>("--out") { Description = "The run folder to write.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint (same options and teacher; --lr may be lowered)." };
        var device = SharedOptions.Device();
        var threads = SharedOptions.Threads();

        var command = new Command("distill", "Distil a fine-tuned teacher into the pretrained encoder plus a linear head on all images (SimCLRv2); writes a run folder and inference_model.onnx.")
        {
            teacher, student, data, labels, labelledWeight, labelledBatchSize, epochs, batchSize, learningRate, weightDecay, temperature, minCropScale,
            flipProbability, teacherInput, seed, output, resume, device, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            if (parse.GetValue(labels) is null
                && new Option[] { labelledWeight, labelledBatchSize }.FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } needsLabels)
            {
                throw new UsageException($"{needsLabels.Name} shapes the labelled term, which only --labels adds: give --labels too, or leave {needsLabels.Name} out.");
            }
            string[] teacherPaths = [.. parse.GetValue(teacher)!.Select(Path.GetFullPath)];
            (PretrainConfig pretrained, string studentInit) = StudentTraining.Start(parse.GetValue(student)!, classifierRuns: false);
            string[] classNames;
            using (TeacherEnsemble models = TeacherEnsemble.Load(teacherPaths))
            {
                classNames = [.. models.ClassNames];
            }
            TeacherFile[] teachers = [.. teacherPaths.Select(path => new TeacherFile(path, FileDigest.Of(path).Sha256))];
            if (teachers.GroupBy(file => file.Sha256).FirstOrDefault(same => same.Count() > 1) is { } repeated)
            {
                throw new UsageException($"--teacher {string.Join(" and ", repeated.Select(file => file.Path))} are the same model: "
                    + "give each teacher once (an ensemble gains from fine-tunes that differ, such as the same labels with another --seed).");
            }

            string dataUri = parse.GetValue(data)!;
            var spec = pretrained.Encoder;
            Console.Error.WriteLine($"Loading {dataUri}…");
            ImageSet images = DatasetLoader.Load(dataUri, new ImageShape(spec.InputChannels, spec.InputHeight, spec.InputWidth), cancellationToken);
            LabelledTerm? labelledTerm = null;
            if (parse.GetValue(labels) is { } labelsText)
            {
                if (images.Labels is null)
                {
                    throw new UsageException($"--data {dataUri} has no labels, so --labels {labelsText} has none to learn: "
                        + "give labelled data (fashion-mnist:train, or a folder with one subfolder per class), or leave --labels out.");
                }
                if (!images.ClassNames.SequenceEqual(classNames))
                {
                    throw new UsageException($"--data {dataUri} labels its images [{string.Join(", ", images.ClassNames)}], the teacher classifies into "
                        + $"[{string.Join(", ", classNames)}]: --labels needs the same classes in the same order, or the labels would train the wrong outputs.");
                }
                int[] labelled = ImageIdOption.Select(labels.Name, LabelledSubset.Parse(labelsText), images, parse.GetValue(seed));
                labelledTerm = new LabelledTerm([.. labelled.Select(index => ImageIds.Of(images, index))], parse.GetValue(labelledWeight), parse.GetValue(labelledBatchSize));
            }
            int epochCount = parse.GetValue(epochs);
            PretrainConfig config = StudentRun.Config(PretextMethods.Distill, dataUri, pretrained, images.Count, epochCount, parse.GetValue(batchSize),
                parse.GetValue(seed), parse.GetValue(learningRate), parse.GetValue(weightDecay)) with
            {
                Distillation = new DistillationSettings(teachers, studentInit, parse.GetValue(temperature), classNames,
                    DistillationSettings.DefaultAugmentation with
                    {
                        CropScale = (parse.GetValue(minCropScale), 1.0),
                        HorizontalFlipProbability = parse.GetValue(flipProbability),
                    }, parse.GetValue(teacherInput), labelledTerm),
            };

            var run = new RunDirectory(parse.GetValue(output)!);
            Console.Error.WriteLine(
                $"Distilling {string.Join(" + ", teachers.Select(file => file.Path))} ({classNames.Length} classes) into {spec.Architecture} D={spec.EmbeddingDim} from {studentInit} "
                + $"on {images.Count} images of {images.Source}, {epochCount} epochs of {config.StepsPerEpoch(images.Count)} steps, batch {config.BatchSize}, adam lr {config.Optimizer.LearningRate:G4}, "
                + $"τ {config.Distillation.Temperature}, the {(teachers.Length > 1 ? $"{teachers.Length} teachers label" : "teacher labels")} the {(config.Distillation.TeacherInput == TeacherInput.Image ? "un-augmented image" : "student's view")}"
                + (labelledTerm is null ? "" : $", + {labelledTerm.Weight} × the labels of {labelledTerm.LabelledIds.Count} images, {labelledTerm.BatchSize} a step")
                + $" → {run.Path}");
            StudentTraining.TrainAndExport(config, images, run, parse.GetValue(resume), parse.GetValue(device)!, "distilled", new Dictionary<string, object>
            {
                ["method"] = PretextMethods.Distill,
                ["teachers"] = teachers.Select(file => new Dictionary<string, string> { ["path"] = file.Path, ["sha256"] = file.Sha256 }).ToArray(),
                ["student_init"] = studentInit,
                ["data"] = dataUri,
                ["epochs"] = epochCount,
                ["temperature"] = config.Distillation.Temperature,
                ["teacher_input"] = config.Distillation.TeacherInput.ToString().ToLowerInvariant(),
                ["labelled_images"] = labelledTerm?.LabelledIds.Count ?? 0,
            }, cancellationToken);
            return Task.FromResult(0);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }
}
