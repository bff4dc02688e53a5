using Pipeline.Data;
using Pipeline.Training.Devices;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// What a user may set for any student run (<see cref="StudentRun"/>: <c>distill</c>, <c>fixmatch</c>): where the student
/// starts, the data, the run folder and the optimizer and schedule every student run shares, with their defaults. A
/// setting's name in errors is the CLI option's without its dashes (<c>weight-decay</c>).
/// </summary>
public abstract record StudentRunOptions
{
    /// <summary>The run folder the student starts from (its newest checkpoint).</summary>
    public required string Student { get; init; }

    /// <summary>The training images, a dataset URI.</summary>
    public string Data { get; init; } = "fashion-mnist:train";

    /// <summary>The run folder to write.</summary>
    public required string Output { get; init; }

    /// <summary>Continue the run in <see cref="Output"/> from its newest checkpoint, with the same settings (the learning rate may be lowered).</summary>
    public bool Resume { get; init; }

    /// <summary>Passes over the images.</summary>
    public int Epochs { get; init; } = StudentRun.DefaultEpochs;

    /// <summary>Training images per step; at least 2.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>AdamW's peak learning rate after the warm-up; cosine decay to 0.</summary>
    public double LearningRate { get; init; } = StudentRun.DefaultLearningRate;

    /// <summary>Weight decay on weights, never on biases or batch norm.</summary>
    public double WeightDecay { get; init; } = StudentRun.DefaultWeightDecay;

    /// <summary>Seeds the data order and every random draw.</summary>
    public int Seed { get; init; }

    /// <summary>Where to compute, a name of <see cref="TrainingDevice.Names"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>CPU threads for TorchSharp; null for every core.</summary>
    public int? Threads { get; init; }

    /// <summary>The student's training arithmetic: fp32, or bf16 mixed precision in its encoder (<see cref="TrainingPrecision.Bf16"/>).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>
    /// Throws <see cref="Errors.InvalidSettingException"/> for the first of these settings that is out of range, naming it;
    /// a subtype checks its own settings after these.
    /// </summary>
    public virtual void Validate()
    {
        PretrainOptions.RequireDatasetUri("data", Data);
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Student), "student", "must name a run folder", $"'{Student}'");
        PretrainOptions.Require(!string.IsNullOrWhiteSpace(Output), "out", "must name a run folder", $"'{Output}'");
        PretrainOptions.RequireAmong("device", Device, TrainingDevice.Names);
        PretrainOptions.Require(Epochs >= 1, "epochs", "must be a positive whole number", Epochs);
        PretrainOptions.Require(BatchSize >= 2, "batch-size", "must be at least 2 (batch norm needs two samples)", BatchSize);
        PretrainOptions.Require(LearningRate > 0 && double.IsFinite(LearningRate), "lr", "must be a positive number", LearningRate);
        PretrainOptions.Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weight-decay", "must be 0 or a positive number", WeightDecay);
        PretrainOptions.Require(Seed >= 0, "seed", "must be 0 or a positive whole number", Seed);
        PretrainOptions.Require(Threads is null or >= 1, "threads", "must be a positive whole number", Threads);
        PretrainOptions.Require(Enum.IsDefined(Precision), "precision", "must be fp32 or bf16", Precision);
    }

    /// <summary>The settings every student run shares (<see cref="StudentRun.Config"/>), from these options, with the run's <paramref name="method"/>.</summary>
    protected PretrainConfig StudentConfig(MethodSettings method, PretrainConfig student, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return StudentRun.Config(method, Data, student, images.Count, Epochs, BatchSize, Seed, LearningRate, WeightDecay) with { Precision = Precision };
    }
}
