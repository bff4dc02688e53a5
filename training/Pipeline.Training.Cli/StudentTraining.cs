using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// The options the <c>distill</c> and <c>fixmatch</c> verbs share, those of a student run (<see cref="StudentRunOptions"/>:
/// a classifier trained from a pretrained encoder, exported as an <c>inference_model.onnx</c> with a fine-tune's
/// contract), and their binding: defined once, so that their names, defaults and help agree, and each verb words only
/// what it means by them.
/// </summary>
/// <param name="defaults">The verb's options with the library's defaults, shown in the help and taken when an option is left out.</param>
/// <param name="student">What <c>--student</c> may be, for the help.</param>
/// <param name="data">What <c>--data</c> holds, for the help.</param>
/// <param name="batchSize">What a step of <c>--batch-size</c> images is, for the help.</param>
/// <param name="resume">What <c>--resume</c> keeps, for the help.</param>
internal sealed class StudentTraining(StudentRunOptions defaults, string student, string data, string batchSize, string resume)
{
    /// <summary>--student: the run folder the student starts from.</summary>
    public Option<string> Student { get; } = new("--student") { Description = student, Required = true };

    /// <summary>--data: the training images.</summary>
    public Option<string> Data { get; } = OptionRules.ParsedBy(new Option<string>("--data")
    {
        Description = data,
        DefaultValueFactory = _ => defaults.Data,
    }, DatasetUri.Parse);

    /// <summary>--epochs: passes over the images.</summary>
    public Option<int> Epochs { get; } = OptionRules.Positive(
        new Option<int>("--epochs") { Description = "Passes over the images.", DefaultValueFactory = _ => defaults.Epochs });

    /// <summary>--batch-size: training images per step.</summary>
    public Option<int> BatchSize { get; } = OptionRules.Positive(new Option<int>("--batch-size") { Description = batchSize, DefaultValueFactory = _ => defaults.BatchSize });

    /// <summary>--lr: AdamW's peak learning rate.</summary>
    public Option<double> LearningRate { get; } = OptionRules.Positive(new Option<double>("--lr")
    {
        Description = "Peak learning rate of AdamW after the warm-up; cosine decay to 0.",
        DefaultValueFactory = _ => defaults.LearningRate,
    });

    /// <summary>--weight-decay: AdamW's decoupled weight decay.</summary>
    public Option<double> WeightDecay { get; } = OptionRules.NonNegative(new Option<double>("--weight-decay")
    {
        Description = "Weight decay on weights (never biases or batch norm).",
        DefaultValueFactory = _ => defaults.WeightDecay,
    });

    /// <summary>--precision: the student's training arithmetic.</summary>
    public Option<TrainingPrecision> Precision { get; } = SharedOptions.Precision();

    /// <summary>--seed: the seed of every random draw.</summary>
    public Option<int> Seed { get; } = SharedOptions.Seed();

    /// <summary>--out: the run folder to write.</summary>
    public Option<string> Output { get; } = new("--out") { Description = "The run folder to write.", Required = true };

    /// <summary>--resume: continue the run in --out.</summary>
    public Option<bool> Resume { get; } = new("--resume") { Description = resume };

    /// <summary>--device: where to compute.</summary>
    public Option<string> Device { get; } = SharedOptions.Device();

    /// <summary>--threads: TorchSharp's CPU threads.</summary>
    public Option<int> Threads { get; } = SharedOptions.Threads();

    /// <summary>
    /// <paramref name="options"/>, which the verb made with its own settings and the student and run folder it was given
    /// (<see cref="Student"/>, <see cref="Output"/>), with every other setting these options bind.
    /// </summary>
    public T Bind<T>(ParseResult parse, T options) where T : StudentRunOptions
    {
        ArgumentNullException.ThrowIfNull(parse);
        StudentRunOptions bound = (StudentRunOptions)options with
        {
            Data = parse.GetValue(Data)!,
            Resume = parse.GetValue(Resume),
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            LearningRate = parse.GetValue(LearningRate),
            WeightDecay = parse.GetValue(WeightDecay),
            Seed = parse.GetValue(Seed),
            Device = parse.GetValue(Device)!,
            Threads = parse.GetValue(Threads),
            Precision = parse.GetValue(Precision),
        };
        return (T)bound;
    }
}
