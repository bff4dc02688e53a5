using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Storage.Registry;

/// <summary>Writes a <see cref="ModelVersion"/> as its text, <c>"v3"</c>.</summary>
internal sealed class ModelVersionJsonConverter : JsonConverter<ModelVersion>
{
    public override ModelVersion Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ModelVersion.TryParse(reader.GetString(), out ModelVersion version)
            ? version
            : throw new JsonException($"'{reader.GetString()}' is not a model version (v1, v2, …).");

    public override void Write(Utf8JsonWriter writer, ModelVersion value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
