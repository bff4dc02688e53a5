using Microsoft.AspNetCore.Http;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Server;

/// <summary>
/// <c>POST /v1/search</c>: the entries of the served <see cref="EmbeddingIndex"/> most similar to an image (embedded by the
/// served model, through the same batcher as <c>/v1/embeddings</c>) or to a raw embedding, by exact cosine search in the
/// index's space (<see cref="EmbeddingIndex.Metric"/>: the index standardises the query with its statistics).
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
            $"This server has no index to search: start it with one (pipeline-infer serve --index FILE, an index pipeline-infer index build wrote with model '{_model.Name}').");
        EmbeddingsEndpoints.RequireContentType(context, "application/json");
        SearchRequest request = EmbeddingsEndpoints.BindJson<SearchRequest>(await _embeddings.ReadBodyAsync(context).ConfigureAwait(false),
            "{\"input\": \"<base64 PNG>\", \"top_k\": 3}", (field, param, _) => InvalidField(field, param, index));
        _embeddings.RequireModel(request.Model, required: false);
        int topK = ReadTopK(request.TopK);
        RequireIndexModel(index, request.ModelSha256);
        (float[] query, bool fromImage) = await ReadQueryAsync(request, index, context.RequestAborted).ConfigureAwait(false);

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

    private ApiException? InvalidField(string field, string param, EmbeddingIndex index) => field switch
    {
        "model" => _embeddings.InvalidModel(),
        "top_k" => InvalidTopK("not a whole number"),
        "model_sha256" => ModelSha256Mismatch("not a string", index),
        "input" => new ApiException(400, "invalid_input",
            "\"input\" is not a string: send one image as a base64 string or a data URL (one image per search).", "input"),
        "embedding" when param == field =>
            new ApiException(400, "invalid_embedding", $"\"embedding\" is not a list: send a list of {index.Dim} numbers.", "embedding"),
        "embedding" => new ApiException(400, "invalid_embedding", $"{param} is not a number: send {index.Dim} float32 numbers.", param),
        _ => null,
    };

    private int ReadTopK(int? topK)
    {
        if (topK is null)
        {
            return Math.Min(DefaultTopK, _options.MaxTopK);
        }
        if (topK < 1 || topK > _options.MaxTopK)
        {
            throw InvalidTopK(topK.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return topK.Value;
    }

    private ApiException InvalidTopK(string given) =>
        new(400, "invalid_top_k", $"\"top_k\" is {given}: ask for a whole number of entries from 1 to {_options.MaxTopK}.", "top_k");

    // The served model, and the one a client says made its embedding, must be the index's.
    private void RequireIndexModel(EmbeddingIndex index, string? modelSha256)
    {
        string served = _model.Current.Sha256;
        if (served != index.ModelSha256)
        {
            throw ServedModelMismatch(index, served);
        }
        if (modelSha256 is not null && !string.Equals(modelSha256, index.ModelSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw ModelSha256Mismatch($"\"{modelSha256}\"", index);
        }
    }

    private static ApiException ModelSha256Mismatch(string given, EmbeddingIndex index) =>
        new(409, "model_mismatch",
            $"\"model_sha256\" is {given}, but the index holds embeddings of the model with SHA-256 {index.ModelSha256}: "
            + "embeddings of different models are not comparable; embed the query with that model (this server's /v1/embeddings).",
            "model_sha256");

    private async Task<(float[] Query, bool FromImage)> ReadQueryAsync(SearchRequest request, EmbeddingIndex index, CancellationToken cancellationToken)
    {
        bool hasInput = request.Input is not null;
        if (hasInput == request.Embedding is not null)
        {
            throw new ApiException(400, hasInput ? "ambiguous_query" : "missing_query",
                $"The request has {(hasInput ? "both" : "neither")} \"input\" {(hasInput ? "and" : "nor")} \"embedding\": send one, "
                + "an image as \"input\": \"<base64 PNG>\" or an embedding as \"embedding\": [floats].");
        }
        if (request.Embedding is { } embedding)
        {
            return (ReadEmbedding(embedding, index.Dim), false);
        }
        EmbeddingModel model = _model.Current;
        float[] pixels = new float[model.InputShape.Size];
        _embeddings.DecodeImage(request.Input!, "input", model.InputShape, pixels);
        float[] query = await _embeddings.EmbedAsync(pixels, cancellationToken).ConfigureAwait(false);
        // The batcher runs whichever model is served when the batch runs: one swapped in meanwhile made this embedding.
        if (_model.Current.Sha256 != index.ModelSha256)
        {
            throw ServedModelMismatch(index, _model.Current.Sha256);
        }
        return (query, true);
    }

    private static float[] ReadEmbedding(IReadOnlyList<float> embedding, int dim)
    {
        if (embedding.Count != dim)
        {
            throw new ApiException(400, "wrong_width",
                $"\"embedding\" has {embedding.Count} numbers, but the index holds embeddings of {dim}: send an embedding of the index's model.", "embedding");
        }
        float[] query = [.. embedding];
        // A number beyond float32 binds as an infinity.
        int bad = Array.FindIndex(query, value => !float.IsFinite(value));
        if (bad >= 0)
        {
            throw new ApiException(400, "invalid_embedding", $"embedding[{bad}] is {query[bad]}, not a finite float32 number.", $"embedding[{bad}]");
        }
        return query;
    }

    private ApiException ServedModelMismatch(EmbeddingIndex index, string served) =>
        new(409, "model_mismatch",
            $"The index holds embeddings of the model with SHA-256 {index.ModelSha256}, but this server now serves '{_model.Name}' with SHA-256 "
            + $"{served} (it was reloaded, or its registry alias moved): its neighbours would be wrong, so searches are refused. "
            + "Build the index again with the served model and restart the server with it.");
}
