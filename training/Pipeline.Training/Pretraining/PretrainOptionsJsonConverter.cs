using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// Reads <see cref="PretrainOptions"/> from one JSON object of settings, as the nightly job's <c>pretrain</c> section
/// holds them: <c>method</c> (simclr when left out) chooses the subtype (<see cref="PretextMethods.OptionsType"/>), and
/// every other name must be one of that subtype's settings. Writes the subtype's settings with its <c>method</c>.
/// </summary>
/// <remarks>
/// A setting another method has, a name no method has, and a value of the wrong type are each refused with an
/// <see cref="InvalidSettingException"/> naming the setting (<see cref="InvalidSettingException.Setting"/>).
/// </remarks>
public sealed class PretrainOptionsJsonConverter : JsonConverter<PretrainOptions>
{
    private const string MethodSetting = "method";

    /// <inheritdoc/>
    public override PretrainOptions Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var nodeOptions = new JsonNodeOptions { PropertyNameCaseInsensitive = options.PropertyNameCaseInsensitive };
        if (JsonNode.Parse(ref reader, nodeOptions) is not JsonObject settings)
        {
            throw new InvalidSettingException("The pretraining options must be a JSON object of settings (\"epochs\": 20).");
        }
        string method = settings[MethodSetting] switch
        {
            null => PretextMethods.SimClr,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            JsonNode other => throw InvalidSettingException.ForSetting(MethodSetting, $"must be a method's name, not {other.ToJsonString()}."),
        };
        Type type = PretextMethods.OptionsType(method);
        IReadOnlyDictionary<string, JsonPropertyInfo> known = Settings(type, options);
        settings.Remove(MethodSetting);
        foreach ((string name, JsonNode? value) in settings)
        {
            if (!known.TryGetValue(name, out JsonPropertyInfo? property))
            {
                IReadOnlyList<string> methods = PretrainOptions.MethodsWithSetting(name);
                throw InvalidSettingException.ForSetting(name, methods.Count == 0
                    ? $"is not a pretraining setting: {method} takes {string.Join(", ", known.Keys.Where(key => key != MethodSetting))}."
                    : $"is a setting of {string.Join(", ", methods)}, not of {method}: leave it out, or choose one of those methods.");
            }
            try
            {
                // Alone in the options type, so that it reads as it will below: by its property's converter, where one is named.
                new JsonObject { [name] = value?.DeepClone() }.Deserialize(type, options);
            }
            catch (JsonException error)
            {
                throw InvalidSettingException.ForSetting(name, $"must be {Expected(property.PropertyType, options)}, not {value?.ToJsonString() ?? "null"}.", error);
            }
        }
        return (PretrainOptions)settings.Deserialize(type, options)!;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, PretrainOptions value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        JsonSerializer.Serialize(writer, value, value.GetType(), options);
    }

    /// <summary>The settings of an options type by JSON name (any case), as <paramref name="options"/> (by default <see cref="RunJson.CamelCase"/>) write them.</summary>
    internal static IReadOnlyDictionary<string, JsonPropertyInfo> Settings(Type optionsType, JsonSerializerOptions? options = null) =>
        (options ?? RunJson.CamelCase).GetTypeInfo(optionsType).Properties.ToDictionary(property => property.Name, StringComparer.OrdinalIgnoreCase);

    // An enum's values are named as the options write them, so a name an enum member sets (adamw) is the one shown.
    private static string Expected(Type type, JsonSerializerOptions options)
    {
        Type plain = Nullable.GetUnderlyingType(type) ?? type;
        return plain == typeof(string) ? "a text"
            : plain.IsEnum ? "one of " + string.Join(", ", Enum.GetValues(plain).Cast<object>().Select(value => JsonSerializer.SerializeToElement(value, plain, options)))
            : plain == typeof(double) ? "a number"
            : "a whole number";
    }
}
