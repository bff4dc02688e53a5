using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// Reads a <c>run.json</c> (<see cref="RunDirectory.ReadConfig"/>) of any shape the pipeline has written, so every
/// former run folder still evaluates, exports, reports and resumes: the former ones are brought to the current
/// <see cref="PretrainConfig"/> before it binds, and writing the config again writes the current shape.
/// </summary>
/// <remarks>
/// Former shapes: the method's name as a string beside six sections, of which the method's own held its settings
/// (<c>"method": "vae", "autoencoder": { "latentDim": 32, … }, "vae": { "beta": 1, … }, "simClr": null, …</c>), a
/// section left out meaning the method's defaults; and a distillation with one <c>"teacher"</c> and its
/// <c>"teacherSha256"</c>, before several teachers were possible.
/// </remarks>
internal static class RunConfigJson
{
    private const string MethodProperty = "method";

    // The former sections each method read, and what it trained with when they were left out (distill and fixmatch
    // runs always wrote theirs). The sections of other methods are null: the former validation refused them, as this does.
    private static readonly Dictionary<string, (string[] Sections, MethodSettings? Default)> FormerSections = new(StringComparer.Ordinal)
    {
        [PretextMethods.SimClr] = (["simClr"], SimClrSettings.Default),
        ["vae"] = (["autoencoder", "vae"], VaeSettings.Default),
        ["ae"] = (["autoencoder"], AutoencoderSettings.Default),
        ["dae"] = (["autoencoder", "denoising"], DenoisingSettings.Default),
        ["rotation"] = ([], new RotationSettings()),
        [PretextMethods.Distill] = (["distillation"], null),
        [PretextMethods.FixMatch] = (["fixMatch"], null),
    };

    // As RunJson.CamelCase reads: names in any case, comments and trailing commas.
    private static readonly JsonNodeOptions AnyCase = new() { PropertyNameCaseInsensitive = true };
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The config <paramref name="json"/> (the text of the file <paramref name="path"/>) holds.</summary>
    /// <exception cref="JsonException">The text is not JSON, or not a config.</exception>
    /// <exception cref="InvalidDataException">The file holds null.</exception>
    /// <exception cref="InvalidSettingException">The method is not one of <see cref="PretextMethods.Names"/>, or a
    /// former distill or fixmatch run lacks its section.</exception>
    public static PretrainConfig Read(string json, string path)
    {
        JsonNode parsed = JsonNode.Parse(json, AnyCase, Lenient) ?? throw new InvalidDataException($"{path} is empty.");
        if (parsed is JsonObject config)
        {
            switch (config[MethodProperty])
            {
                case JsonValue name when name.GetValueKind() == JsonValueKind.String:
                    config[MethodProperty] = FromFormerSections(config, name.GetValue<string>(), path);
                    break;
                case JsonObject method:
                    RequireKnownName(method);
                    break;
            }
            UpgradeSingleTeacher(config);
        }
        return parsed.Deserialize<PretrainConfig>(RunJson.CamelCase) ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>Throws unless the method's settings are named by one of <see cref="PretextMethods.Names"/>.</summary>
    private static void RequireKnownName(JsonObject method)
    {
        JsonNode? name = method[MethodSettings.NameProperty];
        PretextMethods.Require(name is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : name?.ToJsonString() ?? "");
    }

    /// <summary>The settings of the former method <paramref name="name"/>, from its sections (removed from <paramref name="config"/> with the others').</summary>
    private static JsonObject FromFormerSections(JsonObject config, string name, string path)
    {
        PretextMethods.Require(name);
        (string[] sections, MethodSettings? defaults) = FormerSections[name];
        var settings = new JsonObject(AnyCase) { [MethodSettings.NameProperty] = name };
        if (defaults is not null)
        {
            CopyInto(settings, JsonSerializer.SerializeToNode(defaults, RunJson.CamelCase)!.AsObject());
        }
        foreach (string section in FormerSections.Values.SelectMany(former => former.Sections).Distinct())
        {
            JsonObject? held = config[section] as JsonObject;
            if (held is not null && !sections.Contains(section))
            {
                throw new InvalidSettingException($"{path} has {section} settings, which the method {name} does not read. Leave them out.");
            }
            if (held is null && sections.Contains(section) && defaults is null)
            {
                throw new InvalidSettingException($"{path} is a {name} run without its {section} settings: it cannot be read.");
            }
            if (held is not null)
            {
                CopyInto(settings, held);
            }
            config.Remove(section);
        }
        return settings;
    }

    private static void CopyInto(JsonObject settings, JsonObject section)
    {
        foreach ((string property, JsonNode? value) in section)
        {
            settings[property] = value?.DeepClone();
        }
    }

    /// <summary>A distillation with one teacher, <c>"teacher"</c> and <c>"teacherSha256"</c>, reads as an ensemble of that one teacher.</summary>
    private static void UpgradeSingleTeacher(JsonObject config)
    {
        if (config[MethodProperty] is JsonObject distillation && distillation["teachers"] is null
            && distillation["teacher"] is JsonValue teacher && distillation["teacherSha256"] is JsonValue sha256)
        {
            distillation.Remove("teacher");
            distillation.Remove("teacherSha256");
            distillation["teachers"] = new JsonArray(new JsonObject { ["path"] = teacher.DeepClone(), ["sha256"] = sha256.DeepClone() });
        }
    }
}
