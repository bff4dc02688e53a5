using Pipeline.Errors;
using Pipeline.Training.Encoders;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// Everything that decides what a pretraining run computes, saved as the run folder's <c>run.json</c>. Two runs with
/// the same config on the same device and thread count end with the same weights.
/// </summary>
public sealed record PretrainConfig
{
    /// <summary>
    /// The method — a self-supervised one, distill or fixmatch — with its own settings, named by
    /// <see cref="MethodSettings.Name"/> (in JSON, <c>"method": { "name": "simclr", … }</c>).
    /// </summary>
    public required MethodSettings Method { get; init; }

    /// <summary>The training images, as a dataset URI (<c>fashion-mnist:train</c>, <c>folder:/path</c>).</summary>
    public required string Data { get; init; }

    /// <summary>Train on only the first this many images; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>The encoder to train, including the input normalisation computed from the data.</summary>
    public required EncoderSpec Encoder { get; init; }

    /// <summary>Passes over the images; 0 trains nothing and keeps the seed's initial weights (checkpoint step 0).</summary>
    public required int Epochs { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>Seeds the weights, the data order and every augmentation draw.</summary>
    public required int Seed { get; init; }

    public required OptimizerSettings Optimizer { get; init; }

    /// <summary>
    /// The arithmetic of the encoder's and projection head's convolutions and linear layers during training
    /// (<see cref="Autocast"/>); weights, checkpoints and exports are float32 either way.
    /// </summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>Write a checkpoint every this many steps (and always at the end).</summary>
    public required int CheckpointEvery { get; init; }

    /// <summary>Steps in one epoch over <paramref name="imageCount"/> images; the last batch may be partial.</summary>
    public long StepsPerEpoch(int imageCount) => (imageCount + BatchSize - 1) / BatchSize;

    /// <summary>Throws when the config cannot run, saying which setting is wrong and what is accepted.</summary>
    public void Validate()
    {
        Encoder.Validate();
        if (Epochs < 0)
        {
            throw new InvalidSettingException($"Epochs must be 0 (untrained) or more, not {Epochs}.");
        }
        if (BatchSize < 2)
        {
            throw new InvalidSettingException($"Batch size must be at least 2 (batch norm needs two samples), not {BatchSize}.");
        }
        if (Limit is < 2)
        {
            throw new InvalidSettingException($"The image limit must be at least 2 images, not {Limit}.");
        }
        if (!Enum.IsDefined(Precision))
        {
            throw new InvalidSettingException($"Unknown training precision {(int)Precision}: use fp32 or bf16.");
        }
        if (CheckpointEvery < 1)
        {
            throw new InvalidSettingException($"Checkpoint interval must be at least 1 step, not {CheckpointEvery}.");
        }
        Method.Validate();
    }
}
