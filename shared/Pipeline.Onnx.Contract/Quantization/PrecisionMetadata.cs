using System.Text.Json;
using Pipeline.Runs;

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

    /// <summary>The keys this record writes, all of which a variant made again replaces.</summary>
    public static IReadOnlyList<string> Keys { get; } = [PrecisionKey, SourceSha256Key, CalibrationKey, ProofKey];

    /// <summary>The metadata as ONNX <c>metadata_props</c> entries, after checking the source's SHA-256.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToProperties()
    {
        if (SourceSha256 is null || SourceSha256.Length != 64 || !SourceSha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"The source's SHA-256 must be 64 lower-case hex digits, not '{SourceSha256}'.");
        }
        return
        [
            new(PrecisionKey, NameOf(Precision)),
            new(SourceSha256Key, SourceSha256),
            .. Calibration is null ? [] : new KeyValuePair<string, string>[] { new(CalibrationKey, JsonSerializer.Serialize(Calibration, PrecisionJson.Default.CalibrationSummary)) },
            new(ProofKey, JsonSerializer.Serialize(Proof, PrecisionJson.Default.PrecisionProof)),
        ];
    }

    /// <summary>
    /// The precision metadata of a model's <c>metadata_props</c>, or null for a float32 model, which has none; also that of
    /// a variant written before the one casing (snake_case JSON values, <see cref="LegacyNames"/>).
    /// </summary>
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
                Calibration = properties.TryGetValue(CalibrationKey, out string? calibration) ? LegacyNames.Read(calibration, PrecisionJson.Default.CalibrationSummary) : null,
                Proof = properties.TryGetValue(ProofKey, out string? proof)
                    ? LegacyNames.Read(proof, PrecisionJson.Default.PrecisionProof) ?? throw new FormatException($"'{ProofKey}' is null")
                    : throw new FormatException($"'{ProofKey}' is missing"),
            };
        }
        catch (Exception error) when (error is FormatException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"The model's precision metadata is malformed: {error.Message}", error);
        }
    }
}
