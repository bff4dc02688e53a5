using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Inference.Server;

/// <summary>
/// Binds a field that takes one string or a list of them, as the OpenAI API's <c>input</c> does: a string reads as a
/// list of one; anything else is a <see cref="JsonException"/> that says what was found instead. Writes a list.
/// </summary>
public sealed class StringOrArrayConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"is a JSON {KindOf(reader.TokenType)}, not a string or a list of strings");
        }
        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"item {items.Count} is a JSON {KindOf(reader.TokenType)}, not a string");
            }
            items.Add(reader.GetString()!);
        }
        return items;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (string item in value)
        {
            writer.WriteStringValue(item);
        }
        writer.WriteEndArray();
    }

    // The JSON kind of the value that starts at this token, as a client would name it.
    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
    };
}
