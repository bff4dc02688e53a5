using System.Text.Json;
using Onnx;

namespace Pipeline.Onnx;

/// <summary>
/// What a fine-tuned classifier (<c>inference_model.onnx</c>) adds to the embedding model's <c>pipeline.</c> metadata:
/// its class names, indexed like its logits, and a summary of the fine-tune that made it.
/// </summary>
/// <param name="ClassNames">The class names, indexed like the columns of <c>logits</c> and <c>probabilities</c>.</param>
/// <param name="FineTune">A JSON object saying how the head was trained (head, unfreeze, labels, epochs, validation figures).</param>
public sealed record ClassifierMetadata(IReadOnlyList<string> ClassNames, string FineTune)
{
    public const string ClassNamesKey = EmbeddingModelMetadata.KeyPrefix + "class_names";
    public const string FineTuneKey = EmbeddingModelMetadata.KeyPrefix + "fine_tune";

    /// <summary>Adds (or replaces) this record's keys in the model's metadata.</summary>
    public void WriteTo(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (ClassNames.Count < 2)
        {
            throw new ArgumentException($"A classifier has at least 2 classes, not {ClassNames.Count}.");
        }
        foreach (StringStringEntryProto entry in model.MetadataProps.Where(entry => entry.Key is ClassNamesKey or FineTuneKey).ToArray())
        {
            model.MetadataProps.Remove(entry);
        }
        model.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesKey, Value = JsonSerializer.Serialize(ClassNames) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = FineTuneKey, Value = FineTune });
    }

    /// <summary>Reads the classifier metadata from a model's <c>metadata_props</c>.</summary>
    /// <exception cref="InvalidDataException">The keys are missing (the model is not a fine-tuned classifier) or malformed.</exception>
    public static ClassifierMetadata FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.TryGetValue(ClassNamesKey, out string? names))
        {
            throw new InvalidDataException(
                $"The model has no '{ClassNamesKey}' metadata: it is not a classifier from pipeline-infer finetune (an encoder.onnx has no classes).");
        }
        string[] classNames;
        try
        {
            classNames = JsonSerializer.Deserialize<string[]>(names) ?? throw new JsonException("null");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"The model's '{ClassNamesKey}' metadata '{names}' is not a JSON list of names: {error.Message}", error);
        }
        return new ClassifierMetadata(classNames, properties.GetValueOrDefault(FineTuneKey, "{}"));
    }
}
