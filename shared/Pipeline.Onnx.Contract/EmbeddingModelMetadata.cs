using System.Globalization;
using System.Text.Json;

namespace Pipeline.Onnx;

/// <summary>
/// What an embedding model (<c>encoder.onnx</c>) says about itself in its <c>metadata_props</c>, under keys prefixed
/// <c>pipeline.</c>: everything a consumer needs to use it and to trace it back to its run.
/// </summary>
/// <remarks>
/// Values are strings, as ONNX stores them: numbers in invariant culture, lists and maps as JSON, so any ONNX
/// runtime's metadata API can read them without this library.
/// </remarks>
public sealed record EmbeddingModelMetadata
{
    /// <summary>The prefix of every key this contract writes.</summary>
    public const string KeyPrefix = "pipeline.";

    /// <summary>The format this library writes; readers refuse newer ones.</summary>
    public const int CurrentFormatVersion = 1;

    public const string FormatVersionKey = KeyPrefix + "format_version";
    public const string MethodKey = KeyPrefix + "method";
    public const string EncoderKey = KeyPrefix + "encoder";
    public const string InputShapeKey = KeyPrefix + "input_shape";
    public const string ChannelOrderKey = KeyPrefix + "channel_order";
    public const string InputRangeKey = KeyPrefix + "input_range";
    public const string EmbeddingDimKey = KeyPrefix + "embedding_dim";
    public const string NormalizationKey = KeyPrefix + "normalization";
    public const string DatasetKey = KeyPrefix + "dataset";
    public const string MetricsKey = KeyPrefix + "metrics";
    public const string SourceRunKey = KeyPrefix + "source_run";
    public const string SourceCheckpointKey = KeyPrefix + "source_checkpoint";
    public const string CheckpointSha256Key = KeyPrefix + "checkpoint_sha256";
    public const string CreatedUtcKey = KeyPrefix + "created_utc";
    public const string ParityMaxAbsDiffKey = KeyPrefix + "parity_max_abs_diff";
    public const string ProjectionLayersKey = KeyPrefix + "projection_layers";

    /// <summary>The name of the dynamic batch dimension, first in <see cref="InputShapeKey"/>'s <c>N,C,H,W</c>.</summary>
    public const string BatchDimension = "N";

    /// <summary>What <see cref="InputRangeKey"/> says: the input <c>pixels</c> are in [0, 1], normalised inside the graph.</summary>
    public const string InputRange = "0,1";

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The pretraining method, such as <c>simclr</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The encoder architecture, such as <c>convnet</c> or <c>resnet18</c>.</summary>
    public required string Encoder { get; init; }

    /// <summary>C of the [N, C, H, W] input.</summary>
    public required int Channels { get; init; }

    /// <summary>H of the input.</summary>
    public required int Height { get; init; }

    /// <summary>W of the input.</summary>
    public required int Width { get; init; }

    /// <summary>What the channels hold, in order: <c>grey</c> for one channel, <c>RGB</c> for three.</summary>
    public required string ChannelOrder { get; init; }

    /// <summary>D of the [N, D] embedding.</summary>
    public required int EmbeddingDim { get; init; }

    /// <summary>The per-channel mean the graph subtracts from pixels in [0, 1].</summary>
    public required IReadOnlyList<float> Mean { get; init; }

    /// <summary>The per-channel standard deviation the graph divides the centred pixels by.</summary>
    public required IReadOnlyList<float> Std { get; init; }

    /// <summary>The dataset URI the encoder was pretrained on, such as <c>fashion-mnist:train</c>.</summary>
    public required string Dataset { get; init; }

    /// <summary>Evaluation figures of the exported checkpoint, such as <c>knn-100%</c> → accuracy in [0, 1]; may be empty.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The run folder the encoder came from.</summary>
    public required string SourceRun { get; init; }

    /// <summary>The checkpoint file the weights came from, as a file name inside the run's <c>checkpoints/</c>.</summary>
    public required string SourceCheckpoint { get; init; }

    /// <summary>SHA-256 of the checkpoint file, 64 lower-case hex digits.</summary>
    public required string CheckpointSha256 { get; init; }

    /// <summary>When the model was exported, in UTC.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The largest absolute difference between this model's embeddings and the training framework's.</summary>
    public required double ParityMaxAbsDiff { get; init; }

    /// <summary>
    /// How many layers of the pretraining's projection head the embedding comes after: 0 for the encoder's own
    /// representation h; 1 for the output of the head's first layer, which SimCLRv2 fine-tunes from. Written only when
    /// above 0, so files without the key read as 0.
    /// </summary>
    public int ProjectionLayers { get; init; }

    /// <summary>Throws when a field cannot be part of a usable model, saying which and why.</summary>
    public void Validate()
    {
        RequireText(Method, nameof(Method));
        RequireText(Encoder, nameof(Encoder));
        RequireText(ChannelOrder, nameof(ChannelOrder));
        RequireText(Dataset, nameof(Dataset));
        RequireText(SourceRun, nameof(SourceRun));
        RequireText(SourceCheckpoint, nameof(SourceCheckpoint));
        if (Channels < 1 || Height < 1 || Width < 1 || EmbeddingDim < 1)
        {
            throw new ArgumentException(
                $"Input shape {Channels}x{Height}x{Width} and embedding width {EmbeddingDim} must all be positive.");
        }
        if (Mean is null || Std is null || Mean.Count != Channels || Std.Count != Channels)
        {
            throw new ArgumentException(
                $"Normalisation needs one mean and one std per channel ({Channels}), got {Mean?.Count} and {Std?.Count}.");
        }
        if (Std.Any(std => !(std > 0f) || !float.IsFinite(std)))
        {
            throw new ArgumentException($"Normalisation std must be positive and finite, not [{string.Join(", ", Std)}].");
        }
        if (CheckpointSha256 is null || CheckpointSha256.Length != 64 || !CheckpointSha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"Checkpoint SHA-256 must be 64 lower-case hex digits, not '{CheckpointSha256}'.");
        }
        if (ProjectionLayers < 0)
        {
            throw new ArgumentException($"Projection layers must be 0 or more, not {ProjectionLayers}.");
        }
        if (!(ParityMaxAbsDiff >= 0) || !double.IsFinite(ParityMaxAbsDiff))
        {
            throw new ArgumentException($"Parity max abs difference must be a finite number ≥ 0, not {ParityMaxAbsDiff}.");
        }
        ArgumentNullException.ThrowIfNull(Metrics);
    }

    /// <summary>The metadata as ONNX <c>metadata_props</c> entries, every key prefixed <c>pipeline.</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToProperties() =>
    [
        new(FormatVersionKey, FormatVersion.ToString(CultureInfo.InvariantCulture)),
        new(MethodKey, Method),
        new(EncoderKey, Encoder),
        new(InputShapeKey, string.Create(CultureInfo.InvariantCulture, $"{BatchDimension},{Channels},{Height},{Width}")),
        new(ChannelOrderKey, ChannelOrder),
        new(InputRangeKey, InputRange),
        new(EmbeddingDimKey, EmbeddingDim.ToString(CultureInfo.InvariantCulture)),
        new(NormalizationKey, JsonSerializer.Serialize(new Normalization(Mean, Std), MetadataJson.Default.Normalization)),
        new(DatasetKey, Dataset),
        new(MetricsKey, JsonSerializer.Serialize(Metrics, MetadataJson.Default.IReadOnlyDictionaryStringDouble)),
        new(SourceRunKey, SourceRun),
        new(SourceCheckpointKey, SourceCheckpoint),
        new(CheckpointSha256Key, CheckpointSha256),
        new(CreatedUtcKey, CreatedUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        new(ParityMaxAbsDiffKey, ParityMaxAbsDiff.ToString("R", CultureInfo.InvariantCulture)),
        .. ProjectionLayers > 0 ? [new KeyValuePair<string, string>(ProjectionLayersKey, ProjectionLayers.ToString(CultureInfo.InvariantCulture))] : Array.Empty<KeyValuePair<string, string>>(),
    ];

    /// <summary>Reads the metadata from <c>metadata_props</c> entries; keys without the prefix are ignored.</summary>
    public static EmbeddingModelMetadata FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        int formatVersion = Parse(properties, FormatVersionKey, ParseInt);
        if (formatVersion > CurrentFormatVersion)
        {
            throw new InvalidDataException(
                $"The model's metadata is format {formatVersion}, newer than the {CurrentFormatVersion} this build reads: update the pipeline.");
        }
        int[] shape = Parse(properties, InputShapeKey, ParseInputShape);
        Normalization normalization = Parse(properties, NormalizationKey,
            text => JsonSerializer.Deserialize(text, MetadataJson.Default.Normalization) ?? throw new FormatException("null"));
        if (Get(properties, InputRangeKey) != InputRange)
        {
            throw new InvalidDataException(
                $"The model's {InputRangeKey} is '{properties[InputRangeKey]}', but this contract only knows pixels in [{InputRange}].");
        }
        var metadata = new EmbeddingModelMetadata
        {
            FormatVersion = formatVersion,
            Method = Get(properties, MethodKey),
            Encoder = Get(properties, EncoderKey),
            Channels = shape[0],
            Height = shape[1],
            Width = shape[2],
            ChannelOrder = Get(properties, ChannelOrderKey),
            EmbeddingDim = Parse(properties, EmbeddingDimKey, ParseInt),
            Mean = normalization.Mean,
            Std = normalization.Std,
            Dataset = Get(properties, DatasetKey),
            Metrics = Parse(properties, MetricsKey,
                text => JsonSerializer.Deserialize(text, MetadataJson.Default.DictionaryStringDouble) ?? throw new FormatException("null")),
            SourceRun = Get(properties, SourceRunKey),
            SourceCheckpoint = Get(properties, SourceCheckpointKey),
            CheckpointSha256 = Get(properties, CheckpointSha256Key),
            CreatedUtc = Parse(properties, CreatedUtcKey,
                text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
            ParityMaxAbsDiff = Parse(properties, ParityMaxAbsDiffKey, text => double.Parse(text, CultureInfo.InvariantCulture)),
            ProjectionLayers = properties.ContainsKey(ProjectionLayersKey) ? Parse(properties, ProjectionLayersKey, ParseInt) : 0,
        };
        try
        {
            metadata.Validate();
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"The model's {KeyPrefix}* metadata is inconsistent: {error.Message}", error);
        }
        return metadata;
    }

    /// <summary>The JSON shape of <see cref="NormalizationKey"/>.</summary>
    internal sealed record Normalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std);

    private static void RequireText(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{field} must not be empty.");
        }
    }

    private static int ParseInt(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static int[] ParseInputShape(string text)
    {
        string[] parts = text.Split(',');
        if (parts.Length != 4 || parts[0] != BatchDimension)
        {
            throw new FormatException($"expected {BatchDimension},C,H,W");
        }
        return parts[1..].Select(ParseInt).ToArray();
    }

    private static string Get(IReadOnlyDictionary<string, string> properties, string key) =>
        properties.TryGetValue(key, out string? value)
            ? value
            : throw new InvalidDataException(
                $"The model has no '{key}' metadata: it was not exported by pipeline-train export. Export it again with pipeline-train export.");

    private static T Parse<T>(IReadOnlyDictionary<string, string> properties, string key, Func<string, T> parse)
    {
        string text = Get(properties, key);
        try
        {
            return parse(text);
        }
        catch (Exception error) when (error is FormatException or OverflowException or JsonException)
        {
            throw new InvalidDataException($"The model's '{key}' metadata '{text}' is malformed: {error.Message}", error);
        }
    }
}
