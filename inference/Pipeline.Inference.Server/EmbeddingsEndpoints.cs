using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pipeline.Data;
using Pipeline.Inference.Batching;

namespace Pipeline.Inference.Server;

/// <summary>
/// <c>POST /v1/embeddings</c> (OpenAI-shaped JSON with base64 images) and <c>POST /v1/embeddings/raw</c> (float32
/// tensors for edge clients): each request is checked in full, then queued for <see cref="DynamicBatcher"/>.
/// </summary>
/// <remarks>
/// The raw route reads <c>application/octet-stream</c>: little-endian float32 [N, C, H, W] in [0, 1], with the model's
/// name in <c>?model=</c> (optional), and answers little-endian float32 [N, D] with headers <c>X-Embedding-Count</c>
/// and <c>X-Embedding-Dim</c>.
/// </remarks>
public sealed class EmbeddingsEndpoints
{
    public const string JsonRoute = "/v1/embeddings";
    public const string RawRoute = "/v1/embeddings/raw";

    private readonly ServedModel _model;
    private readonly DynamicBatcher _batcher;
    private readonly EmbeddingServerOptions _options;

    public EmbeddingsEndpoints(ServedModel model, DynamicBatcher batcher, EmbeddingServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batcher);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _batcher = batcher;
        _options = options;
    }

    /// <summary>Handles <c>POST /v1/embeddings</c>.</summary>
    public async Task EmbedJsonAsync(HttpContext context)
    {
        RequireContentType(context, "application/json");
        EmbeddingRequest request = BindJson<EmbeddingRequest>(await ReadBodyAsync(context).ConfigureAwait(false),
            $"{{\"model\": \"{_model.Name}\", \"input\": [\"<base64 PNG>\"]}}", InvalidField);
        RequireModel(request.Model);
        bool base64Output = Base64Output(request.EncodingFormat);
        IReadOnlyList<string> images = RequireImages(request.Input);

        ImageShape shape = _model.Current.InputShape;
        float[] pixels = new float[images.Count * shape.Size];
        for (int i = 0; i < images.Count; i++)
        {
            DecodeImage(images[i], $"input[{i}]", shape, pixels.AsSpan(i * shape.Size, shape.Size));
        }
        float[] embeddings = await EmbedAsync(pixels, context.RequestAborted).ConfigureAwait(false);

        int dim = embeddings.Length / images.Count;
        var data = new EmbeddingData[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            float[] row = embeddings.AsSpan(i * dim, dim).ToArray();
            object embedding = base64Output ? Convert.ToBase64String(MemoryMarshal.AsBytes(row.AsSpan())) : row;
            data[i] = new EmbeddingData("embedding", i, embedding);
        }
        var response = new EmbeddingResponse("list", data, _model.Name, new EmbeddingUsage(0, 0, images.Count));
        await context.Response.WriteAsJsonAsync(response, ServerJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Handles <c>POST /v1/embeddings/raw</c>.</summary>
    public async Task EmbedRawAsync(HttpContext context)
    {
        RequireContentType(context, "application/octet-stream");
        if (context.Request.Query.TryGetValue("model", out var names) && names.ToString() != _model.Name)
        {
            throw UnknownModel(names.ToString(), "model");
        }
        byte[] body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body.Length % sizeof(float) != 0)
        {
            throw new ApiException(400, "wrong_size",
                $"The body has {body.Length} bytes, not a whole number of float32 values (4 bytes each): send little-endian float32 [N, C, H, W].");
        }
        float[] pixels = MemoryMarshal.Cast<byte, float>(body).ToArray();
        int images = CheckPixels(pixels);
        float[] embeddings = await EmbedAsync(pixels, context.RequestAborted).ConfigureAwait(false);

        context.Response.ContentType = "application/octet-stream";
        context.Response.Headers["X-Embedding-Count"] = images.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["X-Embedding-Dim"] = (embeddings.Length / images).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(MemoryMarshal.AsBytes(embeddings.AsSpan()).ToArray(), context.RequestAborted).ConfigureAwait(false);
    }

    private int CheckPixels(float[] pixels)
    {
        int images;
        try
        {
            images = _model.Current.CheckPixels(pixels);
        }
        catch (InvalidInputException error)
        {
            throw new ApiException(400, error.Code, error.Message, null, error);
        }
        RequireImageCount(images, "body");
        return images;
    }

    /// <summary>Embeds [N, C, H, W] pixels through the batcher; a full queue is a 429.</summary>
    internal async Task<float[]> EmbedAsync(float[] pixels, CancellationToken cancellationToken)
    {
        try
        {
            return await _batcher.EmbedAsync(pixels, cancellationToken).ConfigureAwait(false);
        }
        catch (QueueFullException error)
        {
            throw new ApiException(429, "queue_full", $"The server is busy: {error.Message}") { RetryAfterSeconds = 1 };
        }
    }

    /// <summary>
    /// Binds a JSON body to <typeparamref name="T"/> with <see cref="ServerJson.Options"/>. A body that is not JSON, or not
    /// an object, is a 400 <c>invalid_json</c> that shows <paramref name="example"/>; a field of the wrong JSON type is the
    /// error <paramref name="invalidField"/> makes of its name, its path (such as <c>embedding[2]</c>) and the binder's reason
    /// (null: an <c>invalid_json</c> too).
    /// </summary>
    internal static T BindJson<T>(byte[] body, string example, Func<string, string, JsonException, ApiException?> invalidField)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, ServerJson.Options) ?? throw NotAnObject(example);
        }
        catch (JsonException error) when (error.InnerException is JsonException)
        {
            // The reader's own error: the bytes are not JSON at all.
            throw new ApiException(400, "invalid_json", $"The body is not valid JSON: {error.Message}");
        }
        catch (JsonException error) when (error.Path is ['$', '.', .. string param])
        {
            throw invalidField(param.Split('[', '.')[0], param, error) ?? NotAnObject(example);
        }
        catch (JsonException)
        {
            throw NotAnObject(example);
        }
    }

    private static ApiException NotAnObject(string example) =>
        new(400, "invalid_json", $"The body is not a JSON object like {example}.");

    /// <summary>Refuses a request whose <c>model</c> is not the served model's name; one without <c>model</c> only when <paramref name="required"/>.</summary>
    internal void RequireModel(string? name, bool required = true)
    {
        if (name is null)
        {
            if (!required)
            {
                return;
            }
            throw new ApiException(400, "missing_model", $"The request names no model: add \"model\": \"{_model.Name}\".", "model");
        }
        if (name != _model.Name)
        {
            throw UnknownModel(name, "model");
        }
    }

    /// <summary>The 400 of a <c>model</c> that is not a string.</summary>
    internal ApiException InvalidModel() =>
        new(400, "invalid_model", $"\"model\" must be a string, such as \"{_model.Name}\".", "model");

    private ApiException? InvalidField(string field, string param, JsonException error) => field switch
    {
        "model" => InvalidModel(),
        "encoding_format" => InvalidEncodingFormat("not a string"),
        "input" => new ApiException(400, "invalid_input",
            $"\"input\" {error.Message}: send a list of base64 PNG or JPEG images, each as base64 or a data URL.", "input"),
        _ => null,
    };

    private static bool Base64Output(string? format) => format switch
    {
        null or "float" => false,
        "base64" => true,
        _ => throw InvalidEncodingFormat($"\"{format}\""),
    };

    private static ApiException InvalidEncodingFormat(string given) =>
        new(400, "invalid_encoding_format", $"\"encoding_format\" is {given}: use \"float\" or \"base64\".", "encoding_format");

    private IReadOnlyList<string> RequireImages(IReadOnlyList<string>? images)
    {
        if (images is null)
        {
            throw new ApiException(400, "missing_input", "The request has no \"input\": send a list of base64 PNG or JPEG images.", "input");
        }
        if (images.Count == 0)
        {
            throw new ApiException(400, "empty_input", "\"input\" is an empty list: send at least one image.", "input");
        }
        RequireImageCount(images.Count, "input");
        return images;
    }

    private void RequireImageCount(int images, string param)
    {
        if (images > _options.MaxImagesPerRequest)
        {
            throw new ApiException(400, "too_many_images",
                $"The request holds {images} images; the most one request may hold is {_options.MaxImagesPerRequest}: split it.", param);
        }
    }

    /// <summary>A base64 string or a data URL (<c>data:image/png;base64,…</c>) to [C, H, W] pixels; a bad one is a 400 naming <paramref name="param"/>.</summary>
    internal void DecodeImage(string text, string param, ImageShape shape, Span<float> destination)
    {
        ReadOnlySpan<char> base64 = text.AsSpan().Trim();
        if (base64.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = base64.IndexOf(',');
            ReadOnlySpan<char> header = comma < 0 ? base64 : base64[5..comma];
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(400, "invalid_data_url",
                    $"{param} is a data URL without ';base64,': write it as data:image/png;base64,<data>.", param);
            }
            ReadOnlySpan<char> mediaType = header[..^";base64".Length];
            if (!mediaType.Equals("image/png", StringComparison.OrdinalIgnoreCase)
                && !mediaType.Equals("image/jpeg", StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(400, "unsupported_image_type",
                    $"{param} is a data URL of '{mediaType}': send image/png or image/jpeg.", param);
            }
            base64 = base64[(comma + 1)..];
        }
        if (base64.IsEmpty)
        {
            throw new ApiException(400, "empty_image", $"{param} is empty: send the base64 of a PNG or JPEG image.", param);
        }

        byte[] bytes = ArrayPool<byte>.Shared.Rent(base64.Length / 4 * 3 + 3);
        try
        {
            if (!Convert.TryFromBase64Chars(base64, bytes, out int length))
            {
                throw new ApiException(400, "invalid_base64", $"{param} is not valid base64: send the image's bytes base64-encoded.", param);
            }
            ImageInput.Decode(bytes.AsSpan(0, length), shape, destination, param, _options.ImageLimits);
        }
        catch (InvalidInputException error)
        {
            throw new ApiException(400, error.Code, error.Message, param, error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private ApiException UnknownModel(string name, string param) =>
        new(404, "model_not_found", $"No model named '{name}' is served here; this server serves '{_model.Name}'.", param);

    /// <summary>Refuses (415) a body that is not of the <paramref name="expected"/> media type.</summary>
    internal static void RequireContentType(HttpContext context, string expected)
    {
        string mediaType = context.Request.ContentType?.Split(';', 2)[0].Trim() ?? "";
        if (!mediaType.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw UnsupportedMediaType(context, expected);
        }
    }

    /// <summary>The 415 of a request whose body is not of the <paramref name="expected"/> media type.</summary>
    public static ApiException UnsupportedMediaType(HttpContext context, string expected)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ApiException(415, "unsupported_media_type",
            $"The body's Content-Type is '{context.Request.ContentType ?? "(none)"}', but {context.Request.Path} reads {expected}.");
    }

    /// <summary>The request body, refused (413) above the limit.</summary>
    // Reads at most the limit (plus one byte, to notice more); what is past it is left for Kestrel to drain.
    internal async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        long limit = _options.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(context.Request.ContentLength.Value, limit);
        }
        byte[] buffer = new byte[context.Request.ContentLength is { } length ? length + 1 : Math.Min(limit + 1, 64 * 1024)];
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled > limit)
                    {
                        throw TooLarge(null, limit);
                    }
                    Array.Resize(ref buffer, (int)Math.Min(limit + 1, 2L * buffer.Length));
                }
                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(filled), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
            }
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, limit);
        }
        if (filled > limit)
        {
            throw TooLarge(filled, limit);
        }
        return buffer.AsSpan(0, filled).ToArray();
    }

    private static ApiException TooLarge(long? size, long limit) =>
        new(413, "request_too_large",
            $"The body{(size is { } bytes ? $" ({bytes} bytes)" : "")} is larger than the {limit} bytes accepted: send fewer or smaller images per request.");
}
