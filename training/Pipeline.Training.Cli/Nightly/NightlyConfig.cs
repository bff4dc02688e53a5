using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Training.Cli.Nightly;

/// <summary>
/// <c>nightly.json</c>: which model to train and publish, where, and when a candidate replaces the champion.
/// <c>pretrain</c> holds the <c>pretrain</c> verb's options by name (<c>"batch-size": 512</c>), so every option of that
/// verb, and every method, works here as it does there. Read as the pipeline's camelCase files are (<see cref="RunJson.CamelCase"/>:
/// comments and trailing commas allowed); a name it does not know is refused.
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

    /// <summary>The pretrain verb's options, by name without the dashes; true for a flag.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Pretrain { get; init; }

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
        if (OwnedOptions.FirstOrDefault(Pretrain.ContainsKey) is { } owned)
        {
            throw new InvalidSettingException($"pretrain.{owned} is set by the nightly job itself: remove it.");
        }
        foreach ((string name, JsonElement value) in Pretrain)
        {
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                throw new InvalidSettingException($"pretrain.{name} is {value.ValueKind}: give a string, a number or true/false.");
            }
        }
        if (Evaluation.Protocol is not ("knn" or "linear"))
        {
            throw new InvalidSettingException($"evaluation.protocol '{Evaluation.Protocol}' is not knn or linear.");
        }
        if (!(MirrorSeconds > 0) || !double.IsFinite(MirrorSeconds))
        {
            throw new InvalidSettingException($"mirrorSeconds must be a positive number of seconds, not {MirrorSeconds}.");
        }
        if (!(Promotion.Margin >= 0) || !double.IsFinite(Promotion.Margin))
        {
            throw new InvalidSettingException($"promotion.margin must be 0 or more (accuracy as a fraction, 0.002 = 0.2 points), not {Promotion.Margin}.");
        }
        // The verbs' own parsers check every option's name, type and range now, before the job takes the lease or
        // writes anything, rather than after a night of training.
        RequireParses("pretrain", PretrainArguments(WorkDirectory, resume: false));
        RequireParses("evaluation", EvaluateArguments(WorkDirectory));
    }

    private static void RequireParses(string section, IReadOnlyList<string> arguments)
    {
        System.CommandLine.ParseResult parse = TrainCommand.Create().Parse(arguments.ToArray());
        if (parse.Errors.Count > 0)
        {
            throw new InvalidSettingException($"{section}: {string.Join(" ", parse.Errors.Select(error => error.Message))}");
        }
    }

    /// <summary>The pretrain verb's arguments for these options, training into <paramref name="runDirectory"/>.</summary>
    public IReadOnlyList<string> PretrainArguments(string runDirectory, bool resume)
    {
        var arguments = new List<string> { "pretrain" };
        foreach ((string name, JsonElement value) in Pretrain.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.True:
                    arguments.Add("--" + name);
                    break;
                case JsonValueKind.False:
                    break;
                case JsonValueKind.Number:
                    arguments.AddRange(["--" + name, value.GetDouble().ToString("R", CultureInfo.InvariantCulture)]);
                    break;
                default:
                    arguments.AddRange(["--" + name, value.GetString()!]);
                    break;
            }
        }
        arguments.AddRange(["--out", runDirectory]);
        if (resume)
        {
            arguments.Add("--resume");
        }
        return arguments;
    }

    /// <summary>The evaluate verb's arguments for the evaluation settings, scoring the run in <paramref name="runDirectory"/>.</summary>
    public IReadOnlyList<string> EvaluateArguments(string runDirectory)
    {
        var arguments = new List<string> { "evaluate", "--run", runDirectory, "--protocol", Evaluation.Protocol, "--labels", Evaluation.Labels };
        if (Evaluation.Data is { } testData)
        {
            arguments.AddRange(["--test-data", testData]);
        }
        if (Evaluation.TrainData is { } trainData)
        {
            arguments.AddRange(["--train-data", trainData]);
        }
        return arguments;
    }
}
