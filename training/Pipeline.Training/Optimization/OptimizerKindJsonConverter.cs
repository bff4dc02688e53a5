using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Training.Optimization;

/// <summary>
/// Reads and writes an <see cref="OptimizerKind"/> as the serializer options do, and reads AdamW's former name,
/// <see cref="FormerAdamWName"/>, as <see cref="OptimizerKind.AdamW"/>: run folders and nightly configs written before
/// it was renamed still read, and resume with the same settings.
/// </summary>
public sealed class OptimizerKindJsonConverter : JsonConverter<OptimizerKind>
{
    /// <summary>What pretraining called AdamW before it took the field's name, <c>adamw</c>; still accepted, never written.</summary>
    public const string FormerAdamWName = "adam";

    /// <inheritdoc/>
    public override OptimizerKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && string.Equals(reader.GetString(), FormerAdamWName, StringComparison.OrdinalIgnoreCase)
            ? OptimizerKind.AdamW
            : JsonSerializer.Deserialize(ref reader, TypeInfo(options));

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, OptimizerKind value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, TypeInfo(options));

    // The options' own contract for the enum: a converter on a property is not used for its type alone, so this does not recurse.
    private static JsonTypeInfo<OptimizerKind> TypeInfo(JsonSerializerOptions options) =>
        (JsonTypeInfo<OptimizerKind>)options.GetTypeInfo(typeof(OptimizerKind));
}
