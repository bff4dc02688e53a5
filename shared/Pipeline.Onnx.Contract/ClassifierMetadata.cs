using System.Text.Json;

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

    /// <summary>The classifier's output of scores before the softmax, float32 [N, classes].</summary>
    public const string LogitsOutput = "logits";

    /// <summary>The classifier's output of class probabilities, float32 [N, classes].</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The metadata as ONNX <c>metadata_props</c> entries, after checking there are at least two classes.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToProperties()
    {
        if (ClassNames.Count < 2)
        {
            throw new ArgumentException($"A classifier has at least 2 classes, not {ClassNames.Count}.");
        }
        return [new(ClassNamesKey, JsonSerializer.Serialize(ClassNames, MetadataJson.Default.IReadOnlyListString)), new(FineTuneKey, FineTune)];
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
            classNames = JsonSerializer.Deserialize(names, MetadataJson.Default.StringArray) ?? throw new JsonException("null");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"The model's '{ClassNamesKey}' metadata '{names}' is not a JSON list of names: {error.Message}", error);
        }
        return new ClassifierMetadata(classNames, properties.GetValueOrDefault(FineTuneKey, "{}"));
    }
}
