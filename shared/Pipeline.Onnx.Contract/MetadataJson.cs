using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Onnx;

/// <summary>
/// The JSON values of <see cref="EmbeddingModelMetadata"/> and <see cref="ClassifierMetadata"/>, generated at build time
/// so that a trimmed or native-AOT app reads them without reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EmbeddingModelMetadata.Normalization))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, double>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class MetadataJson : JsonSerializerContext;
