using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Runs;

/// <summary>
/// The JSON conventions of the files the pipeline writes, one serializer options instance per casing: camelCase for
/// pretraining run folders, the registry and the nightly job; snake_case for fine-tune runs and artifacts. Files are
/// written indented (<see cref="Write"/>), a log's records one to a line (<see cref="OneLine"/>).
/// </summary>
/// <remarks>Each casing is the one its files have always had on disk, so every file written before still reads.</remarks>
[RequiresUnreferencedCode("Serialises with reflection.")]
[RequiresDynamicCode("Serialises with reflection.")]
public static class RunJson
{
    /// <summary>
    /// camelCase names, enums as camelCase strings, indented; reads names in any case, numbers from strings, NaN and
    /// the infinities as <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>, comments and trailing commas. Nulls are written.
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

    /// <summary>snake_case names, enums as numbers, indented. Nulls are written.</summary>
    public static JsonSerializerOptions SnakeCase { get; } = ReadOnly(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    });

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
