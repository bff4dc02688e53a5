using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Runs;

/// <summary>
/// The JSON conventions of every file and JSON output the pipeline writes, one serializer options instance for all:
/// camelCase names, enums as camelCase strings (<see cref="CamelCase"/>). Files are written indented (<see cref="Write"/>),
/// a log's records one to a line (<see cref="OneLine"/>), and read with <see cref="Read{T}(string, JsonSerializerOptions)"/>.
/// </summary>
/// <remarks>
/// Fine-tune runs and artifacts were written in snake_case, enums as numbers, before the one casing; <see cref="Read{T}(string, JsonSerializerOptions)"/>
/// still reads them (<see cref="LegacyNames"/>), so every file written before still reads.
/// </remarks>
[RequiresUnreferencedCode("Serialises with reflection.")]
[RequiresDynamicCode("Serialises with reflection.")]
public static class RunJson
{
    /// <summary>
    /// camelCase names, enums as camelCase strings, indented; reads names in any case, numbers from strings, NaN and
    /// the infinities as <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>, enums as numbers too, comments and trailing
    /// commas. Nulls are written.
    /// </summary>
    public static JsonSerializerOptions CamelCase { get; } = ReadOnly(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // A hand-edited file may name a polymorphic object's type ("name" of a run's method) after its other properties.
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    });

    /// <summary>
    /// Reads <paramref name="json"/> as a <typeparamref name="T"/>: members named as <paramref name="options"/> name them,
    /// or as the snake_case files written before the one casing named them (<c>model_sha256</c> for <c>modelSha256</c>).
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON, or not a <typeparamref name="T"/>.</exception>
    public static T? Read<T>(string json, JsonSerializerOptions options) => Read<T>(json, options, out _);

    /// <summary><see cref="Read{T}(string, JsonSerializerOptions)"/>, and whether any member carried its legacy name.</summary>
    internal static T? Read<T>(string json, JsonSerializerOptions options, out bool legacy)
    {
        ArgumentNullException.ThrowIfNull(options);
        return LegacyNames.Read(json, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)), out legacy);
    }

    /// <summary><paramref name="value"/> as JSON on one line, as a log record or a value in metadata is kept.</summary>
    public static string OneLine<T>(T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, Indented = false }))
        {
            JsonSerializer.Serialize(writer, value, options);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> as an indented JSON file, whole or not at all (<see cref="AtomicFile"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The file's folder does not exist.</exception>
    public static void Write<T>(string path, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, value, options));
    }

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
