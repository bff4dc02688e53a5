using System.CommandLine;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.Devices;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// What the <c>distill</c> and <c>fixmatch</c> verbs share: the options of a student run (<see cref="StudentRun"/>: a
/// classifier trained from a pretrained encoder, exported as an <c>inference_model.onnx</c> with a fine-tune's contract),
/// and for <c>distill</c>, until it binds typed options as <c>fixmatch</c> does, the run's steps in its option names.
/// </summary>
internal static class StudentTraining
{
    /// <summary>The run folder <paramref name="folder"/> (<c>--student</c>) as a starting point (<see cref="StudentRun.Start"/>).</summary>
    public static (PretrainConfig Config, string Checkpoint) Start(string folder, bool classifierRuns) =>
        OptionErrors.Named(() => StudentRun.Start(folder, classifierRuns));

    /// <summary>--epochs: passes over the images.</summary>
    public static Option<int> Epochs() => OptionRules.Positive(
        new Option<int>("--epochs") { Description = "Passes over the images.", DefaultValueFactory = _ => StudentRun.DefaultEpochs });

    /// <summary>--lr: Adam's peak learning rate.</summary>
    public static Option<double> LearningRate() => OptionRules.Positive(new Option<double>("--lr")
    {
        Description = "Peak learning rate of Adam (decoupled weight decay) after the warm-up; cosine decay to 0.",
        DefaultValueFactory = _ => StudentRun.DefaultLearningRate,
    });

    /// <summary>--weight-decay: Adam's decoupled weight decay.</summary>
    public static Option<double> WeightDecay() => OptionRules.NonNegative(new Option<double>("--weight-decay")
    {
        Description = "Weight decay on weights (never biases or batch norm).",
        DefaultValueFactory = _ => StudentRun.DefaultWeightDecay,
    });

    /// <summary>
    /// Trains <paramref name="config"/> into <paramref name="run"/>, prints the result after <paramref name="done"/>
    /// ("distilled"), and exports the classifier with <paramref name="summary"/> in its metadata (<see cref="StudentRun.TrainAndExport"/>).
    /// </summary>
    public static void TrainAndExport(PretrainConfig config, ImageSet images, RunDirectory run, bool resume, string device, string done,
        IReadOnlyDictionary<string, object> summary, CancellationToken cancellationToken) =>
        StudentRun.TrainAndExport(config, images, run, resume, TrainingDevice.Resolve(device), JsonSerializer.Serialize(summary),
            ConsoleProgress.Observer(plan: null, done), cancellationToken);
}
