using System.CommandLine;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.Devices;
using Pipeline.Training.Export;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// What <c>distill</c> and <c>fixmatch</c> share: a classifier trained from a pretrained encoder by the pretraining loop
/// into a run folder, then exported as an <c>inference_model.onnx</c> with a fine-tune's contract.
/// </summary>
internal static class StudentTraining
{
    /// <summary>
    /// The run folder <paramref name="folder"/> (<c>--student</c>) as a starting point: its config and newest checkpoint.
    /// A pretraining run of simclr or rotation always fits; a run that trained a classifier when <paramref name="classifierRuns"/>.
    /// </summary>
    public static (PretrainConfig Config, string Checkpoint) Start(string folder, bool classifierRuns)
    {
        var run = new RunDirectory(folder);
        if (!run.HasConfig)
        {
            throw new UsageException($"--student {run.Path} holds no pretraining run (run.json): give the folder pipeline-train pretrain wrote.");
        }
        PretrainConfig config = run.ReadConfig();
        if (config.Autoencoder is not null || (!classifierRuns && PretextMethods.TrainsClassifier(config.Method)))
        {
            throw new UsageException($"--student {run.Path} is a {config.Method} run: the student starts from a simclr or rotation encoder (its h)"
                + (classifierRuns ? ", or a distill or fixmatch run." : "."));
        }
        return (config, run.LatestCheckpoint());
    }

    /// <summary>--epochs: passes over the images, 10 unless told.</summary>
    public static Option<int> Epochs() =>
        OptionRules.Positive(new Option<int>("--epochs") { Description = "Passes over the images.", DefaultValueFactory = _ => 10 });

    /// <summary>--lr: Adam's peak learning rate.</summary>
    public static Option<double> LearningRate() => OptionRules.Positive(new Option<double>("--lr")
    {
        Description = "Peak learning rate of Adam (decoupled weight decay) after the warm-up; cosine decay to 0.",
        DefaultValueFactory = _ => OptimizerSettings.DefaultLearningRate(OptimizerKind.Adam, 256),
    });

    /// <summary>--weight-decay: Adam's decoupled weight decay.</summary>
    public static Option<double> WeightDecay() => OptionRules.NonNegative(new Option<double>("--weight-decay")
    {
        Description = "Weight decay on weights (never biases or batch norm).",
        DefaultValueFactory = _ => OptimizerSettings.DefaultWeightDecay(OptimizerKind.Adam),
    });

    /// <summary>The settings every classifier run shares: Adam with warm-up and cosine decay, a checkpoint every epoch.</summary>
    public static PretrainConfig Config(string method, string data, PretrainConfig pretrained, int imageCount, int epochs, int batchSize, int seed,
        double learningRate, double weightDecay)
    {
        long stepsPerEpoch = (imageCount + batchSize - 1) / batchSize;
        return new PretrainConfig
        {
            Method = method,
            Data = data,
            Encoder = pretrained.Encoder,
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = seed,
            Optimizer = new OptimizerSettings(OptimizerKind.Adam, learningRate, 0.9, weightDecay,
                OptimizerSettings.DefaultWarmupSteps(epochs * stepsPerEpoch, stepsPerEpoch)),
            CheckpointEvery = (int)stepsPerEpoch,
        };
    }

    /// <summary>
    /// Trains <paramref name="config"/> into <paramref name="run"/>, prints the result after <paramref name="done"/>
    /// ("distilled"), and exports the classifier with <paramref name="summary"/> in its metadata.
    /// </summary>
    public static void TrainAndExport(PretrainConfig config, ImageSet images, RunDirectory run, bool resume, string device, string done,
        IReadOnlyDictionary<string, object> summary, CancellationToken cancellationToken)
    {
        var progress = new ConsoleProgress();
        PretrainResult result = new Pretrainer(TrainingDevice.Resolve(device)).Run(config, images, run, resume, progress.Report, cancellationToken);
        Console.WriteLine(
            $"{done}: {result.Steps} steps, final loss {result.FinalLoss:F4}, {result.WallSeconds:F0} s, {result.ImagesPerSecond:F0} images/s; checkpoint {result.Checkpoint}");
        Console.WriteLine(ExportCommand.Describe(RunExport.ExportClassifier(run, result.Checkpoint, Path.Combine(run.Path, RunExport.ClassifierFileName),
            JsonSerializer.Serialize(summary), cancellationToken)));
    }
}
