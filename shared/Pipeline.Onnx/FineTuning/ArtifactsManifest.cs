using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// <c>artifacts.json</c>: what a fine-tune artifact folder holds and how to drive it — the graphs' input and output
/// names, every trainable parameter with its shape and optimizer state, the hyper-parameters baked into the graphs,
/// the class names, which encoder layers train, and the SHA-256 of every file and of the source encoder.
/// </summary>
/// <remarks>
/// A runner feeds <c>training_model.onnx</c> the inputs <see cref="TrainingInputs"/> names and receives
/// <see cref="TrainingOutputs"/>: <c>loss</c>, then each parameter and state value with <c>.updated</c> appended, in
/// the order of the inputs, to feed back at the next step. Written last, so a folder with this file is complete.
/// </remarks>
public sealed record ArtifactsManifest
{
    public const string FileName = "artifacts.json";
    public const string TrainingModelFile = "training_model.onnx";
    public const string EvalModelFile = "eval_model.onnx";
    public const string FrozenModelFile = "frozen_model.onnx";
    public const string CheckpointFile = "checkpoint.safetensors";

    public const string FeaturesInput = "features";
    public const string PixelsInput = TrainableRegion.PixelsInput;
    public const string LabelsInput = "labels";
    public const string LearningRateInput = "learning_rate";
    public const string StepInput = "step";
    public const string LossOutput = "loss";
    public const string LogitsOutput = ClassifierMetadata.LogitsOutput;
    public const string EmbeddingOutput = TrainableRegion.EmbeddingOutput;
    public const string UpdatedSuffix = ".updated";

    /// <summary>The format this library writes; readers refuse newer ones.</summary>
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Where the encoder was read from.</summary>
    public required string SourceEncoder { get; init; }

    /// <summary>SHA-256 of the encoder file, lower-case hex.</summary>
    public required string SourceEncoderSha256 { get; init; }

    /// <summary><see cref="FeaturesInput"/> when the graphs start at the frozen prefix's output (features can be cached), else <see cref="PixelsInput"/>.</summary>
    public required string Input { get; init; }

    /// <summary>The shape of one example of <see cref="Input"/>, without the batch dimension.</summary>
    public required long[] InputShape { get; init; }

    /// <summary>[C, H, W] of the encoder's pixels.</summary>
    public required long[] PixelShape { get; init; }

    /// <summary>D, the embedding's width.</summary>
    public required long EmbeddingDim { get; init; }

    /// <summary>The class names, indexed by label.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public required HeadSpec Head { get; init; }

    /// <summary>Whether the head standardises the embedding first (see <see cref="EmbeddingStandardization"/>; the values are graph constants).</summary>
    public required bool StandardizesEmbedding { get; init; }

    public required UnfreezeSpec Unfreeze { get; init; }

    /// <summary>The encoder's value the frozen prefix ends at.</summary>
    public required string FrozenCut { get; init; }

    /// <summary>The names of the encoder nodes that train; empty when only the head does.</summary>
    public required IReadOnlyList<string> TrainableNodes { get; init; }

    /// <summary>ε of the softmax cross-entropy.</summary>
    public required double LabelSmoothing { get; init; }

    /// <summary>The update the training graph applies, with its hyper-parameters.</summary>
    public required OptimizerStep Optimizer { get; init; }

    /// <summary>Every trainable parameter: the unfrozen encoder's, then the head's.</summary>
    public required IReadOnlyList<ArtifactParameter> Parameters { get; init; }

    /// <summary>The seed the head's initial weights were drawn with.</summary>
    public required int Seed { get; init; }

    /// <summary>SHA-256 of each file of the folder, by file name; filled in when the folder is written.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the folder has a frozen prefix to cache features with.</summary>
    [JsonIgnore]
    public bool CachesFeatures => Input == FeaturesInput;

    /// <summary>The training graph's inputs in order: batch, labels, learning rate, step, then each parameter and its state.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> TrainingInputs =>
        [Input, LabelsInput, LearningRateInput, StepInput, .. TrainedValues];

    /// <summary>The training graph's outputs in order: loss, then each parameter and state value updated.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> TrainingOutputs => [LossOutput, .. TrainedValues.Select(name => name + UpdatedSuffix)];

    /// <summary>Each parameter followed by its state values: the values a training step carries to the next.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> TrainedValues => Parameters.SelectMany(parameter => (IEnumerable<string>)[parameter.Name, .. parameter.State]).ToArray();

    /// <summary>Writes <see cref="FileName"/> into <paramref name="directory"/> (<see cref="RunJson.CamelCase"/>).</summary>
    public void Write(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        RunJson.Write(Path.Combine(directory, FileName), this, RunJson.CamelCase);
    }

    /// <summary>
    /// Reads the manifest of an artifact folder (also one written in snake_case before the one casing,
    /// <see cref="RunJson.Read{T}(string, System.Text.Json.JsonSerializerOptions)"/>) and checks every file it lists against its SHA-256.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <see cref="FileName"/> or lacks a listed file.</exception>
    /// <exception cref="InvalidDataException">The manifest is malformed or newer than this build, or a file's hash differs.</exception>
    public static ArtifactsManifest Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{directory} holds no {FileName}: it is not a fine-tune artifact folder (pipeline-infer finetune writes one).", path);
        }
        ArtifactsManifest manifest;
        try
        {
            manifest = RunJson.Read<ArtifactsManifest>(File.ReadAllText(path), RunJson.CamelCase)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path} is not a valid artifact manifest: {error.Message}", error);
        }
        if (manifest.FormatVersion > CurrentFormatVersion)
        {
            throw new InvalidDataException(
                $"{path} is format {manifest.FormatVersion}, newer than the {CurrentFormatVersion} this build reads: update the pipeline.");
        }
        foreach ((string file, string expected) in manifest.Files)
        {
            string filePath = Path.Combine(directory, file);
            if (!File.Exists(filePath))
            {
                throw new FileNotFoundException($"{directory} lacks {file}, which its {FileName} lists: the folder is incomplete; generate it again.", filePath);
            }
            string actual = FileDigest.Of(filePath).Sha256;
            if (actual != expected)
            {
                throw new InvalidDataException($"{filePath} has SHA-256 {actual}, not the {expected} its {FileName} records: the file was changed or damaged.");
            }
        }
        return manifest;
    }
}
