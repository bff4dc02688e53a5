using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// Writes an inclusive range <c>(double Min, double Max)</c> as the JSON array <c>[min, max]</c> and reads it back;
/// System.Text.Json would otherwise write a value tuple as an empty object and lose it.
/// </summary>
public sealed class RangeJsonConverter : JsonConverter<(double Min, double Max)>
{
    public override (double Min, double Max) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"A range must be a JSON array [min, max], not {reader.TokenType}.");
        }
        double[] values = JsonSerializer.Deserialize<double[]>(ref reader, options) ?? [];
        return values.Length == 2
            ? (values[0], values[1])
            : throw new JsonException($"A range must hold exactly two numbers [min, max], not {values.Length}.");
    }

    public override void Write(Utf8JsonWriter writer, (double Min, double Max) value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Min);
        writer.WriteNumberValue(value.Max);
        writer.WriteEndArray();
    }
}
