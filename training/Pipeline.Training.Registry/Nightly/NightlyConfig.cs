using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// <c>nightly.json</c>: which model to train and publish, where, and when a candidate replaces the champion.
/// <c>pretrain</c> holds the pretraining options (<see cref="PretrainOptions"/>, which the <c>pretrain</c> verb binds too)
/// by the verb's option names (<c>"batch-size": 512</c>), so every option of that verb, and every method, works here as it
/// does there. Read as the pipeline's camelCase files are (<see cref="RunJson.CamelCase"/>: comments and trailing commas
/// allowed); a name it does not know is refused.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NightlyConfig
{
    /// <summary>Options the job sets itself, refused in <see cref="Pretrain"/>.</summary>
    private static readonly string[] OwnedOptions = ["out", "resume"];

    /// <summary>The registry's store URI (<see cref="ArtifactStoreUri"/>).</summary>
    public string Registry { get; init; } = ArtifactStoreUri.Default;

    /// <summary>The model's name in the registry.</summary>
    public required string Model { get; init; }

    /// <summary>The local folder runs are trained in (their checkpoints are mirrored to the store).</summary>
    public string WorkDirectory { get; init; } = "runs/nightly";

    /// <summary>The pretraining options, by the pretrain verb's option names without the dashes.</summary>
    public required PretrainOptions Pretrain { get; init; }

    public NightlyEvaluation Evaluation { get; init; } = new();

    /// <summary>Seconds between uploads of the run's newest checkpoint to the store while it trains.</summary>
    public double MirrorSeconds { get; init; } = 30;

    public NightlyPromotion Promotion { get; init; } = new();

    /// <summary>The evaluation figure candidates are compared by, as the registry's metrics name it (<c>knn-100%</c>).</summary>
    public string Metric => $"{Evaluation.Protocol}-{Evaluation.Labels}";

    /// <summary>Reads and checks a config file.</summary>
    /// <exception cref="InvalidSettingException">The file is missing, not JSON, or invalid; the message says where.</exception>
    public static NightlyConfig Load(string path)
    {
        NightlyConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<NightlyConfig>(File.ReadAllBytes(path), RunJson.CamelCase);
        }
        catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException($"{path}: {error.Message}", error);
        }
        catch (InvalidSettingException error)
        {
            // Only the pretraining options are read with more than the types' own checks.
            throw new InvalidSettingException($"{path}: {PretrainMessage(error)}", error);
        }
        if (config is null)
        {
            throw new InvalidSettingException($"{path} holds null, not a nightly configuration.");
        }
        try
        {
            config.Validate();
        }
        catch (InvalidSettingException error)
        {
            throw new InvalidSettingException($"{path}: {error.Message}", error);
        }
        return config;
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArtifactStoreUri.Parse(Registry);
        ModelNames.ValidateModel(Model);
        if (string.IsNullOrWhiteSpace(WorkDirectory))
        {
            throw new InvalidSettingException("workDirectory is empty: give a folder to train in.");
        }
        if (!(MirrorSeconds > 0) || !double.IsFinite(MirrorSeconds))
        {
            throw new InvalidSettingException($"mirrorSeconds must be a positive number of seconds, not {MirrorSeconds}.");
        }
        if (!(Promotion.Margin >= 0) || !double.IsFinite(Promotion.Margin))
        {
            throw new InvalidSettingException($"promotion.margin must be 0 or more (accuracy as a fraction, 0.002 = 0.2 points), not {Promotion.Margin}.");
        }
        // Every setting's name, type and range is checked now, before the job takes the lease or writes anything,
        // rather than after a night of training: the pretraining options by the library, the evaluation as the job will read it.
        if (Pretrain is null)
        {
            throw new InvalidSettingException("pretrain is null: give the pretraining options, {} for every default.");
        }
        try
        {
            Pretrain.Validate();
        }
        catch (InvalidSettingException error)
        {
            throw new InvalidSettingException(PretrainMessage(error), error);
        }
        Evaluation.Resolve();
    }

    /// <summary>
    /// An error in the pretraining options, naming the setting at fault as the pretrain verb names its option (<c>--lr</c>):
    /// the section's names are that verb's option names, without the dashes.
    /// </summary>
    private static string PretrainMessage(InvalidSettingException error) =>
        error.Setting is { } setting && OwnedOptions.Contains(setting)
            ? $"pretrain.{setting} is set by the nightly job itself: remove it."
            : $"pretrain: {error.Describe(name => $"--{name}")}";
}
