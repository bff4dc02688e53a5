using System.Text.Json.Serialization;

namespace Pipeline.Inference.Server;

/// <summary>
/// The body of <c>POST /v1/embeddings</c>, OpenAI-shaped: the served model's name, images as base64 or data URLs
/// (<c>data:image/png;base64,…</c>), and <c>float</c> (default) or <c>base64</c> (little-endian float32) output.
/// </summary>
/// <remarks>Bound as sent: a field left out is null, and the endpoint says which one a request lacks.</remarks>
public sealed record EmbeddingRequest
{
    /// <summary>The served model's name; required.</summary>
    public string? Model { get; init; }

    /// <summary>The images: one string, or a list of them; required.</summary>
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Input { get; init; }

    /// <summary><c>float</c> (the default) or <c>base64</c>.</summary>
    public string? EncodingFormat { get; init; }
}

/// <summary>The body of a successful <c>POST /v1/embeddings</c>: one embedding per input, in input order.</summary>
public sealed record EmbeddingResponse(string Object, IReadOnlyList<EmbeddingData> Data, string Model, EmbeddingUsage Usage);

/// <summary>One input's embedding: a float array, or a base64 string of little-endian float32 when asked for.</summary>
public sealed record EmbeddingData(string Object, int Index, object Embedding);

/// <summary>What a request used: images, and the OpenAI fields (no text tokens: always 0).</summary>
public sealed record EmbeddingUsage(int PromptTokens, int TotalTokens, int Images);

/// <summary>The body of <c>GET /v1/models</c>.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

/// <summary>The served model, as <c>GET /v1/models</c> lists it, with the facts a client needs to use it.</summary>
public sealed record ModelCard(
    string Id,
    string Object,
    long Created,
    string OwnedBy,
    string Sha256,
    IReadOnlyList<int> InputShape,
    string ChannelOrder,
    int EmbeddingDim,
    string Method,
    string Encoder,
    string Precision,
    string ExecutionProvider);

/// <summary>
/// The optional body of <c>POST /v1/models/reload</c>: the model file to load (default: the one served) and the
/// SHA-256 it must have (default: any).
/// </summary>
public sealed record ReloadRequest(string? Path, string? Sha256);

/// <summary>The body of a successful reload: what is served now and what was before.</summary>
public sealed record ReloadResponse(string Model, string Sha256, string PreviousSha256, string Path);
