using System.Globalization;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Runs;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// The folder of one pretraining run: <c>run.json</c> (the config), <c>metrics.jsonl</c> (one line per step),
/// <c>checkpoints/step-NNNNNNNN.safetensors</c>, and <c>eval/</c> with one JSON file per evaluation.
/// </summary>
public sealed class RunDirectory
{
    private const string CheckpointPrefix = "step-";
    private const string CheckpointExtension = ".safetensors";

    public RunDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public string ConfigPath => System.IO.Path.Combine(Path, "run.json");

    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.jsonl");

    public string CheckpointDirectory => System.IO.Path.Combine(Path, "checkpoints");

    public string EvaluationDirectory => System.IO.Path.Combine(Path, "eval");

    /// <summary>Whether a run was started here (its config exists).</summary>
    public bool HasConfig => File.Exists(ConfigPath);

    public string CheckpointPath(long step) =>
        System.IO.Path.Combine(CheckpointDirectory, CheckpointPrefix + step.ToString("D8", CultureInfo.InvariantCulture) + CheckpointExtension);

    /// <summary>The checkpoints present, ordered by step.</summary>
    public IReadOnlyList<(long Step, string Path)> Checkpoints()
    {
        if (!Directory.Exists(CheckpointDirectory))
        {
            return [];
        }
        var found = new List<(long, string)>();
        foreach (string file in Directory.EnumerateFiles(CheckpointDirectory, CheckpointPrefix + "*" + CheckpointExtension))
        {
            string stem = System.IO.Path.GetFileNameWithoutExtension(file)[CheckpointPrefix.Length..];
            if (long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                found.Add((step, file));
            }
        }
        return found.OrderBy(entry => entry.Item1).ToArray();
    }

    /// <summary>The checkpoints present, ordered by step, or an error that says the run has none yet.</summary>
    public IReadOnlyList<(long Step, string Path)> RequireCheckpoints() =>
        Checkpoints() is { Count: > 0 } all
            ? all
            : throw new DataFormatException(Path, "has no checkpoint yet: pretrain into it first.");

    /// <summary>The newest checkpoint, or an error that says the run has none yet.</summary>
    public string LatestCheckpoint() => RequireCheckpoints()[^1].Path;

    /// <summary>The run's config, in the current shape whatever shape the pipeline wrote it in (<see cref="RunConfigJson"/>).</summary>
    public PretrainConfig ReadConfig()
    {
        if (!HasConfig)
        {
            throw new DataFormatException(Path, "is not a run folder: it has no run.json. Give the folder a pretraining run wrote.");
        }
        try
        {
            return RunConfigJson.Read(File.ReadAllText(ConfigPath), ConfigPath);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{ConfigPath} is not a run config ({error.Message}): restore it, or give the folder a pretraining run wrote.", error);
        }
    }

    public void WriteConfig(PretrainConfig config) => WriteJsonAtomically(ConfigPath, config);

    /// <summary>Writes a value as a run folder's JSON (<see cref="RunJson.CamelCase"/>), whole or not at all, creating its folder.</summary>
    public static void WriteJsonAtomically<T>(string path, T value)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        RunJson.Write(path, value, RunJson.CamelCase);
    }
}
