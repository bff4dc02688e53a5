using System.Globalization;
using System.Text.Json;
using Pipeline.Data.SafeTensors;
using Pipeline.Onnx.FineTuning;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// How far a fine-tune had gone when it wrote a checkpoint: what <see cref="FineTuner.Fit"/> needs besides the weights
/// and optimizer moments to resume as if it had never stopped. Kept as the checkpoint's metadata, one entry per member,
/// named as the member in camelCase (<c>bestEpoch</c>), numbers in invariant round-trip text. A checkpoint written
/// before the one casing named them in snake_case (<c>best_epoch</c>, <see cref="LegacyNames"/>), and still reads.
/// </summary>
/// <param name="Step">Updates made (<see cref="FineTuneCheckpoint.StepKey"/>).</param>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="BestEpoch">The epoch of the best weights so far (the last one, without validation).</param>
/// <param name="EpochsWithoutImprovement">Epochs since the validation loss last fell.</param>
/// <param name="TrainingLoss">Mean training loss of the last finished epoch.</param>
/// <param name="BestValidationLoss">Validation loss of the best weights, or null without validation.</param>
/// <param name="BestValidationAccuracy">Validation accuracy of the best weights, or null without validation.</param>
/// <param name="Options">The <see cref="FineTuneOptions"/> trained with, as one line of JSON (<see cref="RunJson.CamelCase"/>): a resumed run must repeat them.</param>
/// <param name="ArtifactsSha256">The SHA-256 of the training graph trained: a checkpoint resumes with its own artifacts only.</param>
public sealed record FineTuneCheckpointState(long Step, int Epoch, int BestEpoch, int EpochsWithoutImprovement, double TrainingLoss,
    double? BestValidationLoss, double? BestValidationAccuracy, string Options, string ArtifactsSha256)
{
    /// <summary>The checkpoint metadata that holds this state.</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Key(nameof(Step))] = Step.ToString(CultureInfo.InvariantCulture),
            [Key(nameof(Epoch))] = Epoch.ToString(CultureInfo.InvariantCulture),
            [Key(nameof(BestEpoch))] = BestEpoch.ToString(CultureInfo.InvariantCulture),
            [Key(nameof(EpochsWithoutImprovement))] = EpochsWithoutImprovement.ToString(CultureInfo.InvariantCulture),
            [Key(nameof(TrainingLoss))] = TrainingLoss.ToString("R", CultureInfo.InvariantCulture),
            [Key(nameof(Options))] = Options,
            [Key(nameof(ArtifactsSha256))] = ArtifactsSha256,
        };
        if (BestValidationLoss is { } loss)
        {
            metadata[Key(nameof(BestValidationLoss))] = loss.ToString("R", CultureInfo.InvariantCulture);
        }
        if (BestValidationAccuracy is { } accuracy)
        {
            metadata[Key(nameof(BestValidationAccuracy))] = accuracy.ToString("R", CultureInfo.InvariantCulture);
        }
        return metadata;
    }

    /// <summary>The state a checkpoint's metadata holds.</summary>
    /// <exception cref="InvalidDataException">An entry is missing or does not parse.</exception>
    public static FineTuneCheckpointState FromMetadata(SafeTensorsContent checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            return new FineTuneCheckpointState(
                long.Parse(Required(checkpoint, nameof(Step)), CultureInfo.InvariantCulture),
                int.Parse(Required(checkpoint, nameof(Epoch)), CultureInfo.InvariantCulture),
                int.Parse(Required(checkpoint, nameof(BestEpoch)), CultureInfo.InvariantCulture),
                int.Parse(Required(checkpoint, nameof(EpochsWithoutImprovement)), CultureInfo.InvariantCulture),
                double.Parse(Required(checkpoint, nameof(TrainingLoss)), CultureInfo.InvariantCulture),
                OptionalDouble(checkpoint, nameof(BestValidationLoss)),
                OptionalDouble(checkpoint, nameof(BestValidationAccuracy)),
                Required(checkpoint, nameof(Options)),
                Required(checkpoint, nameof(ArtifactsSha256)));
        }
        catch (FormatException error)
        {
            throw new InvalidDataException($"The checkpoint's metadata does not parse: {error.Message}", error);
        }
    }

    /// <summary>The updates a checkpoint's tensors have received; 0 for one that does not say (the artifacts' initial weights).</summary>
    public static long StepOf(SafeTensorsContent checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.Metadata.TryGetValue(FineTuneCheckpoint.StepKey, out string? step) ? long.Parse(step, CultureInfo.InvariantCulture) : 0;
    }

    private static double? OptionalDouble(SafeTensorsContent checkpoint, string member) =>
        Entry(checkpoint, member) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;

    private static string Required(SafeTensorsContent checkpoint, string member) =>
        Entry(checkpoint, member) ?? checkpoint.RequireMetadata(Key(member));

    // The member's entry, under its key or, in a checkpoint written before the one casing, its snake_case key.
    private static string? Entry(SafeTensorsContent checkpoint, string member) =>
        checkpoint.Metadata.TryGetValue(Key(member), out string? value) || checkpoint.Metadata.TryGetValue(LegacyNames.Of(member), out value)
            ? value
            : null;

    // The member's metadata key: "step" (FineTuneCheckpoint.StepKey), "bestEpoch", "epochsWithoutImprovement"...
    private static string Key(string member) => JsonNamingPolicy.CamelCase.ConvertName(member);
}
