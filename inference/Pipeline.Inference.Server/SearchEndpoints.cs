using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Server;

/// <summary>
/// <c>POST /v1/search</c>: the entries of the served <see cref="EmbeddingIndex"/> most similar to an image (embedded by the
/// served model, through the same batcher as <c>/v1/embeddings</c>) or to an embedding, by exact cosine search.
/// </summary>
/// <remarks>
/// The index holds one model's embeddings. While the served model is another (a reload, or a registry alias that moved,
/// since the server started), every search is refused with 409 <c>model_mismatch</c> rather than answered with the wrong
/// neighbours; so is an image whose embedding was made while the model was being swapped.
/// </remarks>
public sealed class SearchEndpoints
{
    public const string Route = "/v1/search";

    /// <summary>The <c>top_k</c> of a request that does not say.</summary>
    public const int DefaultTopK = 10;

    private readonly EmbeddingIndex? _index;
    private readonly ServedModel _model;
    private readonly EmbeddingsEndpoints _embeddings;
    private readonly EmbeddingServerOptions _options;

    /// <param name="index">The index searched, or null when the server was started without one (every search is then a 404).</param>
    /// <param name="model">The served model, which embeds image queries.</param>
    /// <param name="embeddings">Reads bodies and embeds images as <c>/v1/embeddings</c> does.</param>
    /// <param name="options">The limits, <see cref="EmbeddingServerOptions.MaxTopK"/> among them.</param>
    public SearchEndpoints(EmbeddingIndex? index, ServedModel model, EmbeddingsEndpoints embeddings, EmbeddingServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(options);
        _index = index;
        _model = model;
        _embeddings = embeddings;
        _options = options;
    }

    /// <summary>Handles <c>POST /v1/search</c>.</summary>
    public async Task SearchAsync(HttpContext context)
    {
        EmbeddingIndex index = _index ?? throw new ApiException(404, "no_index",
            $"This server has no index to search: start it with --index FILE (an index pipeline-infer index build wrote with model '{_model.Name}').");
        EmbeddingsEndpoints.RequireContentType(context, "application/json");
        byte[] body = await _embeddings.ReadBodyAsync(context).ConfigureAwait(false);
        float[] query;
        int topK;
        bool fromImage;
        using (JsonDocument document = EmbeddingsEndpoints.ParseObject(body, "{\"input\": \"<base64 PNG>\", \"top_k\": 3}"))
        {
            JsonElement root = document.RootElement;
            _embeddings.RequireModel(root, required: false);
            topK = ReadTopK(root);
            RequireIndexModel(index, root);
            (query, fromImage) = await ReadQueryAsync(root, index, context.RequestAborted).ConfigureAwait(false);
        }

        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = index.Search(query, topK);
        }
        catch (InvalidInputException error)
        {
            throw new ApiException(400, error.Code, error.Message, fromImage ? "input" : "embedding", error);
        }
        var data = new SearchResult[hits.Count];
        for (int i = 0; i < hits.Count; i++)
        {
            data[i] = new SearchResult("search_result", i, hits[i].Id, hits[i].Score);
        }
        var response = new SearchResponse("list", data, _model.Name, new SearchUsage(fromImage ? 1 : 0, index.Count));
        await context.Response.WriteAsJsonAsync(response, ServerJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    private int ReadTopK(JsonElement root)
    {
        if (!root.TryGetProperty("top_k", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return Math.Min(DefaultTopK, _options.MaxTopK);
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int k) || k < 1 || k > _options.MaxTopK)
        {
            throw new ApiException(400, "invalid_top_k",
                $"\"top_k\" is {value.GetRawText()}: ask for a whole number of entries from 1 to {_options.MaxTopK}.", "top_k");
        }
        return k;
    }

    // The served model, and the one a client says made its embedding, must be the index's.
    private void RequireIndexModel(EmbeddingIndex index, JsonElement root)
    {
        string served = _model.Current.Sha256;
        if (served != index.ModelSha256)
        {
            throw ServedModelMismatch(index, served);
        }
        if (root.TryGetProperty("model_sha256", out JsonElement sha) && sha.ValueKind != JsonValueKind.Null)
        {
            string? given = sha.ValueKind == JsonValueKind.String ? sha.GetString() : null;
            if (given is null || !string.Equals(given, index.ModelSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(409, "model_mismatch",
                    $"\"model_sha256\" is {sha.GetRawText()}, but the index holds embeddings of the model with SHA-256 {index.ModelSha256}: "
                    + "embeddings of different models are not comparable; embed the query with that model (this server's /v1/embeddings).",
                    "model_sha256");
            }
        }
    }

    private async Task<(float[] Query, bool FromImage)> ReadQueryAsync(JsonElement root, EmbeddingIndex index, CancellationToken cancellationToken)
    {
        bool hasInput = root.TryGetProperty("input", out JsonElement input) && input.ValueKind != JsonValueKind.Null;
        bool hasEmbedding = root.TryGetProperty("embedding", out JsonElement embedding) && embedding.ValueKind != JsonValueKind.Null;
        if (hasInput == hasEmbedding)
        {
            throw new ApiException(400, hasInput ? "ambiguous_query" : "missing_query",
                $"The request has {(hasInput ? "both" : "neither")} \"input\" {(hasInput ? "and" : "nor")} \"embedding\": send one, "
                + "an image as \"input\": \"<base64 PNG>\" or an embedding as \"embedding\": [floats].");
        }
        if (hasEmbedding)
        {
            return (ReadEmbedding(embedding, index.Dim), false);
        }
        if (input.ValueKind != JsonValueKind.String)
        {
            throw new ApiException(400, "invalid_input",
                $"\"input\" is a JSON {input.ValueKind.ToString().ToLowerInvariant()}: send one image as a base64 string or a data URL (one image per search).",
                "input");
        }
        EmbeddingModel model = _model.Current;
        float[] pixels = new float[model.InputShape.Size];
        _embeddings.DecodeImage(input.GetString()!, "input", model.InputShape, pixels);
        float[] query = await _embeddings.EmbedAsync(pixels, cancellationToken).ConfigureAwait(false);
        // The batcher runs whichever model is served when the batch runs: one swapped in meanwhile made this embedding.
        if (_model.Current.Sha256 != index.ModelSha256)
        {
            throw ServedModelMismatch(index, _model.Current.Sha256);
        }
        return (query, true);
    }

    private static float[] ReadEmbedding(JsonElement embedding, int dim)
    {
        if (embedding.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException(400, "invalid_embedding",
                $"\"embedding\" is a JSON {embedding.ValueKind.ToString().ToLowerInvariant()}: send a list of {dim} numbers.", "embedding");
        }
        int length = embedding.GetArrayLength();
        if (length != dim)
        {
            throw new ApiException(400, "wrong_width",
                $"\"embedding\" has {length} numbers, but the index holds embeddings of {dim}: send an embedding of the index's model.", "embedding");
        }
        float[] query = new float[dim];
        int i = 0;
        foreach (JsonElement item in embedding.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out query[i]) || !float.IsFinite(query[i]))
            {
                throw new ApiException(400, "invalid_embedding",
                    $"embedding[{i}] is {item.GetRawText()}, not a finite float32 number.", $"embedding[{i}]");
            }
            i++;
        }
        return query;
    }

    private ApiException ServedModelMismatch(EmbeddingIndex index, string served) =>
        new(409, "model_mismatch",
            $"The index holds embeddings of the model with SHA-256 {index.ModelSha256}, but this server now serves '{_model.Name}' with SHA-256 "
            + $"{served} (it was reloaded, or its registry alias moved): its neighbours would be wrong, so searches are refused. "
            + "Build the index again with the served model and restart the server with it.");
}
