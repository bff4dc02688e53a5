using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Inference.FineTuning;
using Pipeline.Runs;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The output folder of <c>pipeline-infer finetune</c> and the settings it was started with (<c>finetune.json</c>), which
/// a resumed run must repeat.
/// </summary>
/// <remarks>
/// Layout: <c>finetune.json</c> (these settings), <c>artifacts/</c> (the generated artifacts), <c>checkpoint.safetensors</c>
/// (the state after the last finished epoch), <c>metrics.jsonl</c> (one line per epoch), <c>labelled.csv</c> (the ids of
/// the images it trained on: <c>--labels</c> takes it back, so another run can use the very same labels),
/// <c>inference_model.onnx</c> and <c>result.json</c>.
/// </remarks>
public sealed record FineTuneRun
{
    public const string SettingsFile = "finetune.json";
    public const string ArtifactsFolder = "artifacts";
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    public const string InferenceModelFile = "inference_model.onnx";
    public const string ResultFile = "result.json";
    public const string LabelledFile = "labelled.csv";

    /// <summary>The encoder file, as given.</summary>
    public required string Model { get; init; }

    /// <summary>SHA-256 of the encoder file when the run started.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The dataset URI.</summary>
    public required string Data { get; init; }

    /// <summary>The label fraction, as given (1%, 600…).</summary>
    public required string Labels { get; init; }

    public required string Head { get; init; }

    public required string Unfreeze { get; init; }

    /// <summary><c>adamw</c> or <c>sgd</c>.</summary>
    public required string Optimizer { get; init; }

    public required double WeightDecay { get; init; }

    /// <summary>SGD's momentum (ignored by AdamW).</summary>
    public required double Momentum { get; init; }

    public required double LabelSmoothing { get; init; }

    public required FineTuneOptions Training { get; init; }

    public string SettingsPath(string folder) => Path.Combine(folder, SettingsFile);

    /// <summary>Writes <c>finetune.json</c> (snake_case, <see cref="RunJson.SnakeCase"/>) into <paramref name="folder"/>, whole or not at all.</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        RunJson.Write(SettingsPath(folder), this, RunJson.SnakeCase);
    }

    /// <summary>The settings a run in <paramref name="folder"/> started with, or null when there is none.</summary>
    public static FineTuneRun? Read(string folder)
    {
        string path = Path.Combine(folder, SettingsFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<FineTuneRun>(File.ReadAllText(path), RunJson.SnakeCase) ?? throw new JsonException("empty");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path} is damaged ({error.Message}): start a new run in another folder.", error);
        }
    }

    /// <summary>
    /// Deletes what a run wrote into <paramref name="folder"/>, its settings first (a folder without them holds no run),
    /// then the folder itself when nothing else is left in it.
    /// </summary>
    public static void Delete(string folder)
    {
        foreach (string file in (string[])[SettingsFile, CheckpointFile, MetricsFile, LabelledFile, InferenceModelFile, ResultFile])
        {
            File.Delete(Path.Combine(folder, file));
        }
        string artifacts = Path.Combine(folder, ArtifactsFolder);
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
        }
    }

    /// <summary>Throws unless <paramref name="saved"/> (the run being resumed) has these settings, showing both.</summary>
    public void RequireSameAs(FineTuneRun saved, string folder)
    {
        ArgumentNullException.ThrowIfNull(saved);
        SettingsDifference difference = SettingsDifference.Between(saved, this, RunJson.SnakeCase);
        if (!difference.IsEmpty)
        {
            throw new UsageException(
                $"--resume continues the run in {folder} with its own settings, and these differ: drop the changed options or start a new run.\n"
                + difference.Describe());
        }
    }
}
