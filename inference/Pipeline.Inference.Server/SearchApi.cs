using System.Text.Json.Serialization;

namespace Pipeline.Inference.Server;

/// <summary>
/// The body of <c>POST /v1/search</c>: one query, either <c>input</c> (an image, base64 or a data URL, as
/// <c>/v1/embeddings</c> takes it) or <c>embedding</c> (D floats), and <c>top_k</c>, the number of entries wanted (default
/// 10). <c>model</c>, when given, must be the served model's name; <c>model_sha256</c>, when given, must be the SHA-256 of
/// the model the index was built with (a client's guard for embeddings it made itself).
/// </summary>
/// <remarks>Numbers are bound only from JSON numbers, never from strings.</remarks>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record SearchRequest
{
    /// <summary>One image: base64 PNG or JPEG, or a data URL.</summary>
    public string? Input { get; init; }

    /// <summary>One embedding of the index's model: D floats.</summary>
    public IReadOnlyList<float>? Embedding { get; init; }

    /// <summary>How many entries to return, from 1 to the server's limit (default 10).</summary>
    public int? TopK { get; init; }

    /// <summary>The served model's name, optional.</summary>
    public string? Model { get; init; }

    /// <summary>The SHA-256 of the model that made <see cref="Embedding"/>, optional.</summary>
    public string? ModelSha256 { get; init; }
}

/// <summary>The body of a successful <c>POST /v1/search</c>: the entries found, most similar first.</summary>
public sealed record SearchResponse(string Object, IReadOnlyList<SearchResult> Data, string Model, SearchUsage Usage);

/// <summary>One entry found: its id (the image's path relative to the catalogue folder) and its cosine similarity to the query in the index's space (<see cref="Pipeline.Inference.Search.EmbeddingIndex.Metric"/>).</summary>
public sealed record SearchResult(string Object, int Index, string Id, float Score);

/// <summary>What a search used: images embedded (0 for an <c>embedding</c> query) and the index's entries compared.</summary>
public sealed record SearchUsage(int Images, int EntriesCompared);
