using Onnx;

namespace Pipeline.Onnx;

/// <summary>
/// An ONNX model's <c>metadata_props</c> as the key-value pairs the contract's records (Pipeline.Onnx.Contract, which
/// knows no protobuf) read and write; <see cref="EmbeddingModelMetadataProto"/>, <see cref="ClassifierMetadataProto"/>
/// and <see cref="Quantization.PrecisionMetadataProto"/> put them in a <see cref="ModelProto"/>.
/// </summary>
public static class ModelMetadataProps
{
    /// <summary>A model's <c>metadata_props</c> as a dictionary; of a key written twice, the last value.</summary>
    public static IReadOnlyDictionary<string, string> Of(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (StringStringEntryProto entry in model.MetadataProps)
        {
            properties[entry.Key] = entry.Value;
        }
        return properties;
    }

    /// <summary>
    /// Removes the entries whose keys <paramref name="replaced"/> accepts, then adds <paramref name="properties"/>. The
    /// caller computes (and so checks) the properties first, so a refused record leaves the model as it was.
    /// </summary>
    public static void Replace(ModelProto model, Func<string, bool> replaced, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(replaced);
        ArgumentNullException.ThrowIfNull(properties);
        foreach (StringStringEntryProto entry in model.MetadataProps.Where(entry => replaced(entry.Key)).ToArray())
        {
            model.MetadataProps.Remove(entry);
        }
        foreach ((string key, string value) in properties)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
    }
}
