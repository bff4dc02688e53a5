using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Runs;

/// <summary>
/// The snake_case names that fine-tune runs and artifacts were written with before every file took the camelCase of
/// <see cref="RunJson.CamelCase"/> (<c>model_sha256</c> for <c>modelSha256</c>), and the renaming of a document's
/// members from them, so that those files still read.
/// </summary>
/// <remarks>
/// A naming policy maps each member to one name, so no options instance reads both; and renaming every name with an
/// underscore would also rename what is data, not a member: a dictionary's keys (<c>training_model.onnx</c> in an
/// artifacts manifest's files). The renaming therefore follows the contract of the type read: only members of objects,
/// nested as the type nests them, through dictionaries, arrays and polymorphic types. It needs no reflection, so a
/// source-generated contract (a trimmed or native-AOT app) reads old files too.
/// </remarks>
public static class LegacyNames
{
    /// <summary>The name a file written before the one casing gave <paramref name="member"/> (a property of a .NET type).</summary>
    public static string Of(string member) => JsonNamingPolicy.SnakeCaseLower.ConvertName(member);

    /// <summary>
    /// Reads <paramref name="json"/> as <paramref name="contract"/> reads it, after renaming each member that carries its
    /// legacy name (<see cref="Of"/>) and not its own one to its own one.
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON, or not a <typeparamref name="T"/>.</exception>
    public static T? Read<T>(string json, JsonTypeInfo<T> contract) => Read(json, contract, out _);

    /// <summary><see cref="Read{T}(string, JsonTypeInfo{T})"/>, and whether any member carried its legacy name.</summary>
    internal static T? Read<T>(string json, JsonTypeInfo<T> contract, out bool legacy)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(contract);
        JsonSerializerOptions options = contract.Options;
        JsonNode? document = JsonNode.Parse(json,
            new JsonNodeOptions { PropertyNameCaseInsensitive = options.PropertyNameCaseInsensitive },
            new JsonDocumentOptions { AllowTrailingCommas = options.AllowTrailingCommas, CommentHandling = options.ReadCommentHandling, MaxDepth = options.MaxDepth });
        legacy = Rename(document, contract);
        return document.Deserialize(contract);
    }

    /// <summary>
    /// Renames, in place, every member of <paramref name="node"/> that carries its legacy name to the name
    /// <paramref name="contract"/> reads, unless the member is there under its own name too; whether any was renamed.
    /// </summary>
    private static bool Rename(JsonNode? node, JsonTypeInfo contract)
    {
        bool renamed = false;
        switch (node)
        {
            case JsonObject members when contract.Kind == JsonTypeInfoKind.Object:
                JsonTypeInfo actual = Derived(members, contract);
                foreach (JsonPropertyInfo property in actual.Properties)
                {
                    string legacy = Of(property.AttributeProvider is MemberInfo member ? member.Name : property.Name);
                    if (legacy != property.Name && !members.ContainsKey(property.Name) && members.TryGetPropertyValue(legacy, out JsonNode? value))
                    {
                        members.Remove(legacy);
                        members[property.Name] = value;
                        renamed = true;
                    }
                    if (members.TryGetPropertyValue(property.Name, out JsonNode? nested))
                    {
                        renamed |= Rename(nested, ContractOf(property.PropertyType, contract.Options));
                    }
                }
                break;
            case JsonObject entries when contract.Kind == JsonTypeInfoKind.Dictionary:
                JsonTypeInfo values = ContractOf(contract.ElementType!, contract.Options);
                foreach ((string _, JsonNode? value) in entries)
                {
                    renamed |= Rename(value, values);
                }
                break;
            case JsonArray items when contract.Kind == JsonTypeInfoKind.Enumerable:
                JsonTypeInfo elements = ContractOf(contract.ElementType!, contract.Options);
                foreach (JsonNode? item in items)
                {
                    renamed |= Rename(item, elements);
                }
                break;
        }
        return renamed;
    }

    // The contract of the derived type a polymorphic object's discriminator names (its own contract otherwise).
    private static JsonTypeInfo Derived(JsonObject members, JsonTypeInfo contract)
    {
        if (contract.PolymorphismOptions is not { } polymorphism
            || !members.TryGetPropertyValue(polymorphism.TypeDiscriminatorPropertyName, out JsonNode? discriminator)
            || discriminator is not JsonValue value)
        {
            return contract;
        }
        string named = value.TryGetValue(out string? text) ? text : value.ToJsonString();
        foreach (JsonDerivedType derived in polymorphism.DerivedTypes)
        {
            if (derived.TypeDiscriminator?.ToString() == named)
            {
                return ContractOf(derived.DerivedType, contract.Options);
            }
        }
        return contract;
    }

    private static JsonTypeInfo ContractOf(Type type, JsonSerializerOptions options) =>
        options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
}
