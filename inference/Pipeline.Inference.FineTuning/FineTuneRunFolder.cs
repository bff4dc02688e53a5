using System.Text.Json;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// The folder of one fine-tune run: <c>finetune.json</c> (its <see cref="FineTuneConfig"/>), <c>artifacts/</c> (the
/// generated artifacts), <c>checkpoint.safetensors</c> (the state after the last finished epoch), <c>metrics.jsonl</c>
/// (one line per epoch), <c>labelled.csv</c> (the ids of the images it trained on, which a later run can take as its
/// labels), <c>inference_model.onnx</c> and <c>result.json</c> (<see cref="FineTuneSummary"/>).
/// </summary>
/// <param name="path">The folder, kept as given so that messages show it as the user wrote it.</param>
public sealed class FineTuneRunFolder(string path)
{
    public const string SettingsFile = "finetune.json";
    public const string ArtifactsFolder = "artifacts";
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    public const string InferenceModelFile = "inference_model.onnx";
    public const string ResultFile = "result.json";
    public const string LabelledFile = "labelled.csv";

    /// <summary>The folder, as given.</summary>
    public string Path { get; } = !string.IsNullOrEmpty(path) ? path : throw new ArgumentException("A run folder needs a path.", nameof(path));

    public string SettingsPath => Combine(SettingsFile);

    public string ArtifactsPath => Combine(ArtifactsFolder);

    public string CheckpointPath => Combine(CheckpointFile);

    public string MetricsPath => Combine(MetricsFile);

    public string InferenceModelPath => Combine(InferenceModelFile);

    public string ResultPath => Combine(ResultFile);

    public string LabelledPath => Combine(LabelledFile);

    /// <summary>
    /// The settings the run here started with, or null when there is none; also from a <c>finetune.json</c> written in
    /// snake_case before the one casing (<see cref="RunJson.Read{T}(string, JsonSerializerOptions)"/>).
    /// </summary>
    /// <exception cref="InvalidDataException"><c>finetune.json</c> does not read.</exception>
    public FineTuneConfig? ReadConfig()
    {
        if (!File.Exists(SettingsPath))
        {
            return null;
        }
        try
        {
            return RunJson.Read<FineTuneConfig>(File.ReadAllText(SettingsPath), RunJson.CamelCase) ?? throw new JsonException("empty");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{SettingsPath} is damaged ({error.Message}): start a new run in another folder.", error);
        }
    }

    /// <summary>Writes <c>finetune.json</c>, whole or not at all, creating the folder.</summary>
    public void WriteConfig(FineTuneConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(Path);
        RunJson.Write(SettingsPath, config, RunJson.CamelCase);
    }

    /// <summary>
    /// Throws unless this folder fits the run asked for: resuming needs a run here with the same settings, a new run
    /// needs a folder that holds none.
    /// </summary>
    /// <exception cref="FineTuneRunConflictException">It does not fit; nothing was written.</exception>
    public void RequireFits(FineTuneConfig config, bool resume)
    {
        ArgumentNullException.ThrowIfNull(config);
        FineTuneConfig? recorded = ReadConfig();
        if (resume)
        {
            config.RequireSameAs(recorded ?? throw new FineTuneRunConflictException(Path, FineTuneRunConflict.HoldsNoRun, null,
                $"{Path} holds no fine-tune run ({SettingsFile}) to resume."), Path);
        }
        else if (recorded is not null)
        {
            throw new FineTuneRunConflictException(Path, FineTuneRunConflict.HoldsARun, null,
                $"{Path} already holds a fine-tune run: resume it, or start the new one in another folder.");
        }
    }

    /// <summary>
    /// Deletes what a run wrote here, its settings first (a folder without them holds no run), then the folder itself
    /// when nothing else is left in it.
    /// </summary>
    public void Delete()
    {
        foreach (string file in (string[])[SettingsPath, CheckpointPath, MetricsPath, LabelledPath, InferenceModelPath, ResultPath])
        {
            File.Delete(file);
        }
        if (Directory.Exists(ArtifactsPath))
        {
            Directory.Delete(ArtifactsPath, recursive: true);
        }
        if (Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any())
        {
            Directory.Delete(Path);
        }
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
