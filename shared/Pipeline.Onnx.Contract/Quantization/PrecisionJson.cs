using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// The JSON values of <see cref="PrecisionMetadata"/>: camelCase names as every file of the pipeline has them
/// (<c>Pipeline.Runs.RunJson</c>), enums as the command line spells them (<c>minmax</c>), no nulls; generated at build
/// time so that a trimmed or native-AOT app reads them without reflection. Variants written before the one casing have
/// snake_case names (<c>mean_cosine</c>), which <see cref="Pipeline.Runs.LegacyNames"/> reads.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(CalibrationMethodJson)])]
[JsonSerializable(typeof(CalibrationSummary))]
[JsonSerializable(typeof(PrecisionProof))]
internal sealed partial class PrecisionJson : JsonSerializerContext
{
    /// <summary><see cref="CalibrationMethod"/> as its lower-case name.</summary>
    internal sealed class CalibrationMethodJson() : JsonStringEnumConverter<CalibrationMethod>(new LowerCase());

    private sealed class LowerCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
