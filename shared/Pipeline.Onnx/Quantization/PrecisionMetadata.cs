using System.Text.Json;
using System.Text.Json.Serialization;
using Onnx;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// What a precision variant (<c>encoder.int8.onnx</c>, <c>encoder.fp16.onnx</c>) adds to its source's <c>pipeline.</c>
/// metadata, which it keeps whole: its precision, the float32 source's SHA-256, the calibration (int8) and the proof.
/// </summary>
public sealed record PrecisionMetadata
{
    public const string PrecisionKey = EmbeddingModelMetadata.KeyPrefix + "precision";
    public const string SourceSha256Key = EmbeddingModelMetadata.KeyPrefix + "source_sha256";
    public const string CalibrationKey = EmbeddingModelMetadata.KeyPrefix + "calibration";
    public const string ProofKey = EmbeddingModelMetadata.KeyPrefix + "precision_proof";

    /// <summary>The name of the reference precision, float32, which a model without precision metadata computes in.</summary>
    public const string ReferenceName = "fp32";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(new LowerCase()) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The number format the model computes in.</summary>
    public required ModelPrecision Precision { get; init; }

    /// <summary>SHA-256 of the float32 model file the variant was made from, 64 lower-case hex digits.</summary>
    public required string SourceSha256 { get; init; }

    /// <summary>What the activation ranges were calibrated on; null for a variant that needs no calibration (float16).</summary>
    public CalibrationSummary? Calibration { get; init; }

    /// <summary>How closely the variant's embeddings follow the source's.</summary>
    public required PrecisionProof Proof { get; init; }

    /// <summary>The name a precision goes by in metadata, file names and on the command line: <c>int8</c>, <c>fp16</c>.</summary>
    public static string NameOf(ModelPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>The names <c>--precision</c> accepts where a model is chosen: <see cref="ReferenceName"/>, then every variant's.</summary>
    public static IReadOnlyList<string> Names { get; } = [ReferenceName, .. Enum.GetValues<ModelPrecision>().Select(NameOf)];

    /// <summary>
    /// The file name of the <paramref name="precision"/> variant of the model file <paramref name="fileName"/>:
    /// <c>encoder.onnx</c> → <c>encoder.int8.onnx</c>, as a registry version and a folder beside the model hold it.
    /// </summary>
    public static string FileNameOf(string fileName, ModelPrecision precision)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return $"{Path.GetFileNameWithoutExtension(fileName)}.{NameOf(precision)}{Path.GetExtension(fileName)}";
    }

    /// <summary>The name a calibration method goes by in metadata and on the command line: <c>minmax</c>, <c>percentile</c>.</summary>
    public static string NameOf(CalibrationMethod method) => method.ToString().ToLowerInvariant();

    /// <summary>Adds (or replaces) this record's keys in the model's metadata.</summary>
    public void WriteTo(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (SourceSha256 is null || SourceSha256.Length != 64 || !SourceSha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"The source's SHA-256 must be 64 lower-case hex digits, not '{SourceSha256}'.");
        }
        foreach (StringStringEntryProto entry in model.MetadataProps.Where(entry => entry.Key is PrecisionKey or SourceSha256Key or CalibrationKey or ProofKey).ToArray())
        {
            model.MetadataProps.Remove(entry);
        }
        model.MetadataProps.Add(new StringStringEntryProto { Key = PrecisionKey, Value = NameOf(Precision) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = SourceSha256Key, Value = SourceSha256 });
        if (Calibration is not null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = CalibrationKey, Value = JsonSerializer.Serialize(Calibration, Json) });
        }
        model.MetadataProps.Add(new StringStringEntryProto { Key = ProofKey, Value = JsonSerializer.Serialize(Proof, Json) });
    }

    /// <summary>The precision metadata of the ONNX model file at <paramref name="path"/>, or null for a float32 model, which has none.</summary>
    /// <exception cref="InvalidDataException">The file is not an ONNX model, or its precision metadata is malformed.</exception>
    public static PrecisionMetadata? Read(string path) =>
        FromProperties(OnnxModelFile.Read(path).MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal));

    /// <summary>The precision metadata of a model's <c>metadata_props</c>, or null for a float32 model, which has none.</summary>
    /// <exception cref="InvalidDataException">A key is missing or malformed.</exception>
    public static PrecisionMetadata? FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.TryGetValue(PrecisionKey, out string? precision))
        {
            return null;
        }
        try
        {
            return new PrecisionMetadata
            {
                Precision = Enum.Parse<ModelPrecision>(precision, ignoreCase: true),
                SourceSha256 = properties.TryGetValue(SourceSha256Key, out string? sha256) ? sha256 : throw new FormatException($"'{SourceSha256Key}' is missing"),
                Calibration = properties.TryGetValue(CalibrationKey, out string? calibration) ? JsonSerializer.Deserialize<CalibrationSummary>(calibration, Json) : null,
                Proof = properties.TryGetValue(ProofKey, out string? proof)
                    ? JsonSerializer.Deserialize<PrecisionProof>(proof, Json) ?? throw new FormatException($"'{ProofKey}' is null")
                    : throw new FormatException($"'{ProofKey}' is missing"),
            };
        }
        catch (Exception error) when (error is FormatException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"The model's precision metadata is malformed: {error.Message}", error);
        }
    }

    // Enum values as the command line spells them: minmax, percentile.
    private sealed class LowerCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
