namespace Pipeline.Data.SafeTensors;

/// <summary>What a safetensors file holds: tensors by name, and the string metadata.</summary>
public sealed record SafeTensorsContent(
    IReadOnlyDictionary<string, SafeTensor> Tensors,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The named tensor, or an error naming what is missing.</summary>
    public SafeTensor Require(string name) =>
        Tensors.TryGetValue(name, out SafeTensor? tensor)
            ? tensor
            : throw new InvalidDataException($"The file has no tensor '{name}'.");

    /// <summary>The named metadata value, or an error naming what is missing.</summary>
    public string RequireMetadata(string key) =>
        Metadata.TryGetValue(key, out string? value)
            ? value
            : throw new InvalidDataException($"The file has no metadata '{key}'.");
}
