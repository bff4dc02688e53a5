using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Runs;

/// <summary>
/// The settings a run recorded beside the settings asked for now, compared member by member as JSON: what resuming the
/// run with them would change, and the one message that lists it. Every resumable run checks its settings with it.
/// </summary>
/// <example>
/// <code>
/// SettingsDifference difference = SettingsDifference.Between(recorded, requested, RunJson.CamelCase);
/// if (!difference.IsEmpty)
/// {
///     throw new RunConflictException($"Resume with the run's settings.\n{difference.Describe()}");
/// }
/// </code>
/// </example>
public sealed class SettingsDifference
{
    private readonly JsonNode? _recorded;
    private readonly JsonNode? _requested;

    private SettingsDifference(JsonNode? recorded, JsonNode? requested, IReadOnlyList<string> changed)
    {
        _recorded = recorded;
        _requested = requested;
        Changed = changed;
    }

    /// <summary>The settings whose values differ, as dotted paths of their JSON names (<c>training.epochs</c>), in order; empty when none does.</summary>
    public IReadOnlyList<string> Changed { get; }

    /// <summary>Whether the requested settings are the recorded ones.</summary>
    public bool IsEmpty => Changed.Count == 0;

    /// <summary>
    /// Compares two settings objects. Objects are compared member by member, anything else (numbers, strings, arrays) as a
    /// whole value; a member that only one side has differs.
    /// </summary>
    public static SettingsDifference Between(JsonObject recorded, JsonObject requested)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(requested);
        var changed = new List<string>();
        (JsonNode? Recorded, JsonNode? Requested)? parts = Differ(recorded, requested, "", changed);
        return new SettingsDifference(parts?.Recorded, parts?.Requested, changed);
    }

    /// <summary>Compares two settings records as <paramref name="options"/> writes them.</summary>
    /// <exception cref="ArgumentException">The settings are not written as JSON objects.</exception>
    [RequiresUnreferencedCode("Serialises with reflection.")]
    [RequiresDynamicCode("Serialises with reflection.")]
    public static SettingsDifference Between<T>(T recorded, T requested, JsonSerializerOptions options) =>
        Between(ToObject(recorded, options, nameof(recorded)), ToObject(requested, options, nameof(requested)));

    /// <summary>
    /// The lines that list what changed: the settings' paths, then the recorded and the requested values of those settings
    /// alone, as JSON objects (on one line, or <paramref name="indented"/>).
    /// </summary>
    public string Describe(bool indented = false) =>
        $"  changed:   {string.Join(", ", Changed)}\n  recorded:  {Json(_recorded, indented)}\n  requested: {Json(_requested, indented)}";

    // The parts of each side that differ (null: they are equal); paths of the differing settings are added to changed.
    private static (JsonNode? Recorded, JsonNode? Requested)? Differ(JsonNode? recorded, JsonNode? requested, string path, List<string> changed)
    {
        if (recorded is JsonObject recordedObject && requested is JsonObject requestedObject)
        {
            var recordedPart = new JsonObject();
            var requestedPart = new JsonObject();
            foreach (string name in recordedObject.Select(member => member.Key).Union(requestedObject.Select(member => member.Key)))
            {
                string memberPath = path.Length == 0 ? name : $"{path}.{name}";
                bool inRecorded = recordedObject.TryGetPropertyValue(name, out JsonNode? recordedValue);
                bool inRequested = requestedObject.TryGetPropertyValue(name, out JsonNode? requestedValue);
                if (inRecorded && inRequested)
                {
                    if (Differ(recordedValue, requestedValue, memberPath, changed) is (var left, var right))
                    {
                        recordedPart[name] = left;
                        requestedPart[name] = right;
                    }
                    continue;
                }
                changed.Add(memberPath);
                if (inRecorded)
                {
                    recordedPart[name] = recordedValue?.DeepClone();
                }
                else
                {
                    requestedPart[name] = requestedValue?.DeepClone();
                }
            }
            return recordedPart.Count == 0 && requestedPart.Count == 0 ? null : (recordedPart, requestedPart);
        }
        if (JsonNode.DeepEquals(recorded, requested))
        {
            return null;
        }
        changed.Add(path);
        return (recorded?.DeepClone(), requested?.DeepClone());
    }

    [RequiresUnreferencedCode("Serialises with reflection.")]
    [RequiresDynamicCode("Serialises with reflection.")]
    private static JsonObject ToObject<T>(T settings, JsonSerializerOptions options, string parameter)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Parsed back from text, so both sides hold JSON values and compare as the file would.
        return JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(settings, options)) as JsonObject
            ?? throw new ArgumentException($"Settings are compared as JSON objects; {typeof(T).Name} is not written as one.", parameter);
    }

    private static string Json(JsonNode? node, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            (node ?? new JsonObject()).WriteTo(writer);
        }
        // Indented, the object's lines stay under its label.
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).ReplaceLineEndings("\n  ");
    }
}
