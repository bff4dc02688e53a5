using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Errors;
using Pipeline.Inference.Batching;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Server;

/// <summary>
/// The HTTP embedding server: ASP.NET Core on Kestrel serving one <see cref="ServedModel"/> through a
/// <see cref="DynamicBatcher"/>, with health, readiness, model listing and reload, Prometheus metrics and an OpenAPI
/// document. Every refused request gets a 4xx and a JSON error; the server keeps serving.
/// </summary>
/// <remarks>
/// Routes: <c>POST /v1/embeddings</c>, <c>POST /v1/embeddings/raw</c>, <c>POST /v1/search</c> (with an index),
/// <c>GET /v1/models</c>,
/// <c>POST /v1/models/reload</c>, <c>GET /healthz</c>, <c>GET /readyz</c>, <c>GET /metrics</c>,
/// <c>GET /openapi/v1.json</c>. With an API key, every route but the two probes needs <c>Authorization: Bearer KEY</c>;
/// reload needs a key in any case.
/// </remarks>
public sealed class EmbeddingServer : IAsyncDisposable
{
    private const string ReloadRoute = "/v1/models/reload";
    private static readonly string[] OpenRoutes = ["/healthz", "/readyz"];

    private readonly WebApplication _app;
    private readonly ServedModel _model;
    private readonly DynamicBatcher _batcher;
    private readonly ServerMetrics _metrics;
    private readonly EmbeddingServerOptions _options;
    private readonly ILogger _logger;
    private ModelFileWatcher? _watcher;
    private RegistryModelFollower? _follower;

    private EmbeddingServer(WebApplication app, ServedModel model, DynamicBatcher batcher, ServerMetrics metrics,
        EmbeddingServerOptions options, ILogger logger)
    {
        _app = app;
        _model = model;
        _batcher = batcher;
        _metrics = metrics;
        _options = options;
        _logger = logger;
    }

    /// <summary>The model served.</summary>
    public ServedModel Model => _model;

    /// <summary>The addresses listened on, with the real ports once started (port 0 picks one).</summary>
    public IReadOnlyList<string> Urls =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>Checks the options, loads and warms up the model, and prepares (does not start) the server.</summary>
    /// <param name="options">What to serve and how.</param>
    /// <param name="configureLogging">Adjusts logging (tests quiet it); console logging otherwise.</param>
    /// <exception cref="ArgumentException">The options are unusable.</exception>
    /// <exception cref="UnprotectedAddressException">A non-loopback address without an API key, unless insecure.</exception>
    /// <exception cref="InvalidDataException">The model is unusable.</exception>
    /// <exception cref="IndexModelMismatchException">The options' index was built with another model.</exception>
    public static EmbeddingServer Create(EmbeddingServerOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IReadOnlyList<string> exposed = ListenAddresses.RequireProtection(options.Urls, options.ApiKey is not null, options.Insecure);

        WebApplication app = BuildApplication(options, configureLogging);
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Inference.Server");
        if (exposed.Count > 0 && options.ApiKey is null)
        {
            logger.LogWarning("Serving insecurely: {Urls} can be reached from other machines and no API key is asked for. Anyone there can use this server.",
                string.Join(", ", exposed));
        }
        ServedModel model;
        try
        {
            model = LoadModel(options, logger);
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        DynamicBatcher? batcher = null;
        var metrics = new ServerMetrics(() => batcher?.QueuedImages ?? 0);
        batcher = new DynamicBatcher(() => model.Current, options.Batching, metrics.Batch);
        var server = new EmbeddingServer(app, model, batcher, metrics, options, logger);
        server.MapRoutes();
        return server;
    }

    /// <summary>
    /// Serves what <paramref name="options"/> ask for (<see cref="ServeOptions.Resolve"/>, <see cref="Create"/>) until
    /// <paramref name="cancellationToken"/> is cancelled or the process is asked to stop (Ctrl+C, SIGTERM), then stops.
    /// </summary>
    /// <param name="options">What to serve and how, as a user sets it.</param>
    /// <param name="configureLogging">Adjusts logging (tests quiet it); console logging otherwise.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    /// <exception cref="InvalidSettingException">A setting is invalid or conflicts, or the index was
    /// built with another model (<see cref="InvalidSettingException.Setting"/> names which).</exception>
    /// <exception cref="UnprotectedAddressException">A non-loopback address without an API key, unless insecure.</exception>
    /// <exception cref="ListenAddressInUseException">An address is taken.</exception>
    public static async Task ServeAsync(ServeOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EmbeddingServerOptions resolved = options.Resolve();
        EmbeddingServer server;
        try
        {
            server = Create(resolved, configureLogging);
        }
        catch (IndexModelMismatchException error)
        {
            throw InvalidSettingException.ForSetting("index", name =>
                $"{options.Index} was not built with {name("model")} {options.ModelDescription}. {error.Message}", error);
        }
        await using (server.ConfigureAwait(false))
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts listening (and watching the model file, when asked); returns once the server accepts requests.</summary>
    /// <exception cref="ListenAddressInUseException">An address is taken.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException error) when (error.InnerException is AddressInUseException)
        {
            throw new ListenAddressInUseException(_options.Urls, error);
        }
        if (_options.WatchModelFile)
        {
            string watched = _model.Current.Source;
            _watcher = new ModelFileWatcher(watched, () => ReloadAsync(watched, null, CancellationToken.None), _logger);
        }
        if (_options.Registry is { } registry)
        {
            _follower = new RegistryModelFollower(registry.Cache, registry.Alias, registry.Precision, _model, registry.Version, registry.ETag,
                (path, sha256, token) => ReloadAsync(path, sha256, token), registry.PollInterval, _logger);
            _logger.LogInformation("Following {Alias} (now {Version}, {Precision}) every {Interval} s.", registry.Alias, registry.Version,
                registry.Precision, registry.PollInterval.TotalSeconds);
        }
        _logger.LogInformation("Listening on {Urls}.", string.Join(", ", Urls));
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops listening, fails what is still queued and frees the model.</summary>
    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        if (_follower is not null)
        {
            await _follower.DisposeAsync().ConfigureAwait(false);
        }
        await _app.StopAsync().ConfigureAwait(false);
        await _batcher.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _model.Dispose();
    }

    // Kestrel, logging, the JSON names, the OpenAPI document and the error handling: everything but the model and the routes.
    private static WebApplication BuildApplication(EmbeddingServerOptions options, Action<ILoggingBuilder>? configureLogging)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Above the limit the endpoints enforce, so that they, not Kestrel, answer with a JSON 413, and Kestrel can
            // drain the rest of a body somewhat too large and keep the connection (clients then read the 413).
            kestrel.Limits.MaxRequestBodySize = 4 * options.MaxRequestBytes;
        });
        configureLogging?.Invoke(builder.Logging);
        // Results and the OpenAPI schemas use the same snake_case names the endpoints write.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = ServerJson.Options.PropertyNamingPolicy);
        builder.Services.AddOpenApi();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        // The exception handler middleware insists on a fallback; ApiExceptionHandler handles every exception, so it never writes.
        builder.Services.AddProblemDetails();
        return builder.Build();
    }

    // The model to serve, warmed up, and checked against the index when there is one.
    private static ServedModel LoadModel(EmbeddingServerOptions options, ILogger logger)
    {
        ServedModel model = ServedModel.Load(options.ServedName, options.ModelPath, options.Model, logger);
        if (options.Index is { } index)
        {
            try
            {
                index.RequireModel(model.Current.Sha256);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            logger.LogInformation("Searching an index of {Count} embeddings of {Dim} floats on {Route}.", index.Count, index.Dim, SearchEndpoints.Route);
        }
        return model;
    }

    private void MapRoutes()
    {
        _app.Use(CountRequestsAsync);
        // Refusals thrown as ApiException, and failures, get their JSON error from ApiExceptionHandler; statuses routing
        // sets without a body (404, 405, 415) get theirs here.
        _app.UseExceptionHandler();
        _app.UseStatusCodePages(status => ApiErrors.WriteAsync(status.HttpContext, RoutingError(status.HttpContext)));
        _app.Use(AuthenticateAsync);
        MapEmbeddingRoutes();
        MapModelAndProbeRoutes();
        _app.MapOpenApi();
    }

    // POST /v1/embeddings, /v1/embeddings/raw and /v1/search.
    private void MapEmbeddingRoutes()
    {
        var embeddings = new EmbeddingsEndpoints(_model, _batcher, _options);
        _app.MapPost(EmbeddingsEndpoints.JsonRoute, (Func<HttpContext, Task>)embeddings.EmbedJsonAsync)
            .Accepts<EmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status429TooManyRequests)
            .WithSummary("Embeds base64 PNG or JPEG images (OpenAI-shaped).");
        _app.MapPost(EmbeddingsEndpoints.RawRoute, (Func<HttpContext, Task>)embeddings.EmbedRawAsync)
            .Accepts<byte[]>("application/octet-stream")
            .Produces<byte[]>(contentType: "application/octet-stream")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .WithSummary("Embeds little-endian float32 [N, C, H, W] pixels in [0, 1]; answers float32 [N, D].");
        var search = new SearchEndpoints(_options.Index, _model, embeddings, _options);
        _app.MapPost(SearchEndpoints.Route, (Func<HttpContext, Task>)search.SearchAsync)
            .Accepts<SearchRequest>("application/json")
            .Produces<SearchResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .WithSummary("The index's entries most similar to an image or a raw embedding (exact cosine, standardised per dimension unless the index's metric is plain cosine), best first.");
    }

    // GET /v1/models, POST /v1/models/reload, and what operators and orchestrators poll: /healthz, /readyz, /metrics.
    private void MapModelAndProbeRoutes()
    {
        _app.MapGet("/v1/models", () => new ModelList("list", [Card()]))
            .WithSummary("The served model and its input contract.");
        _app.MapPost(ReloadRoute, (Func<HttpContext, Task>)ReloadEndpointAsync)
            .Accepts<ReloadRequest>("application/json")
            .Produces<ReloadResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Loads, checks and swaps in a new model file; the old one serves until then, and on refusal.");
        _app.MapGet("/healthz", () => Results.Json(new { status = "alive" }))
            .WithSummary("Alive.");
        _app.MapGet("/readyz", Ready)
            .WithSummary("Ready: the model is loaded and warmed up and the server is not stopping.");
        _app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await _metrics.ExportAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }).WithSummary("Prometheus metrics.");
    }

    private ModelCard Card()
    {
        EmbeddingModel model = _model.Current;
        return new ModelCard(_model.Name, "model", _model.LoadedAt.ToUnixTimeSeconds(), "pipeline", model.Sha256,
            [model.InputShape.Channels, model.InputShape.Height, model.InputShape.Width], model.Metadata.ChannelOrder,
            model.EmbeddingDim, model.Metadata.Method, model.Metadata.Encoder, model.Precision, model.ExecutionProvider.ToString().ToLowerInvariant());
    }

    private IResult Ready()
    {
        bool stopping = _app.Lifetime.ApplicationStopping.IsCancellationRequested;
        EmbeddingModel model = _model.Current;
        return Results.Json(new { status = stopping ? "stopping" : "ready", model = _model.Name, sha256 = model.Sha256 },
            statusCode: stopping ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private async Task ReloadEndpointAsync(HttpContext context)
    {
        ReloadRequest? request = null;
        if (context.Request.ContentLength is not (null or 0) || context.Request.Headers.TransferEncoding.Count > 0)
        {
            if (!(context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                throw EmbeddingsEndpoints.UnsupportedMediaType(context, "application/json");
            }
            try
            {
                request = await JsonSerializer.DeserializeAsync<ReloadRequest>(context.Request.Body, ServerJson.Options, context.RequestAborted)
                    .ConfigureAwait(false);
            }
            catch (JsonException error)
            {
                throw new ApiException(400, "invalid_json", $"The body is not a reload request {{\"path\", \"sha256\"}}: {error.Message}");
            }
        }
        if (request?.Path is null && _follower is not null)
        {
            // Serving a registry alias: a reload without a path means "read the alias now".
            string before = _model.Current.Sha256;
            await _follower.CheckNowAsync(context.RequestAborted).ConfigureAwait(false);
            EmbeddingModel current = _model.Current;
            await context.Response.WriteAsJsonAsync(new ReloadResponse(_model.Name, current.Sha256, before, current.Source),
                ServerJson.Options, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (_follower is not null)
        {
            throw new ApiException(409, "reload_follows_registry",
                $"This server follows {_options.Registry!.Alias}: promote another version there (pipeline-infer registry promote), or reload without a path to read the alias now.");
        }
        (EmbeddingModel now, string previous) = await ReloadAsync(request?.Path, request?.Sha256, context.RequestAborted).ConfigureAwait(false);
        await context.Response.WriteAsJsonAsync(new ReloadResponse(_model.Name, now.Sha256, previous, now.Source),
            ServerJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<(EmbeddingModel Now, string PreviousSha256)> ReloadAsync(string? path, string? sha256, CancellationToken cancellationToken)
    {
        try
        {
            (EmbeddingModel Now, string PreviousSha256) reloaded = await _model.ReloadAsync(path, sha256, cancellationToken).ConfigureAwait(false);
            _metrics.Reload(succeeded: true);
            if (_options.Index is { } index && index.ModelSha256 != reloaded.Now.Sha256)
            {
                _logger.LogWarning("The index was built with SHA-256 {IndexSha256}, not the model now served ({Sha256}): {Route} refuses every search "
                    + "(409) until the server is restarted with an index of this model.", index.ModelSha256, reloaded.Now.Sha256, SearchEndpoints.Route);
            }
            return reloaded;
        }
        catch (InvalidDataException error)
        {
            _metrics.Reload(succeeded: false);
            throw new ApiException(422, "reload_refused", $"The new model was refused and the old one keeps serving: {error.Message}", null, error);
        }
    }

    // Routing answers alone, with an empty body, for unknown routes (404), wrong methods (405) and bodies of a media type
    // a route does not accept (415); these get the JSON error every other refusal has.
    private static ApiException RoutingError(HttpContext context)
    {
        string method = context.Request.Method, path = context.Request.Path;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => new ApiException(404, "route_not_found",
                $"No route {method} {path}: the routes are listed in /openapi/v1.json."),
            StatusCodes.Status405MethodNotAllowed => new ApiException(405, "method_not_allowed",
                $"{path} does not take {method}: the routes and their methods are listed in /openapi/v1.json."),
            StatusCodes.Status415UnsupportedMediaType => EmbeddingsEndpoints.UnsupportedMediaType(context,
                path == EmbeddingsEndpoints.RawRoute ? "application/octet-stream" : "application/json"),
            int status => new ApiException(status, "request_refused", $"{method} {path} was refused with status {status}."),
        };
    }

    private async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        PathString path = context.Request.Path;
        if (OpenRoutes.Any(route => path.Equals(route, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (_options.ApiKey is null)
        {
            if (path.StartsWithSegments(ReloadRoute, StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(403, "reload_needs_api_key",
                    $"Reloading needs an API key: start the server with one ({EmbeddingServerOptions.ApiKeyVariable} or an API key file), or have it watch the model file.");
            }
            await next(context).ConfigureAwait(false);
            return;
        }
        string authorization = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || !ApiKeys.Matches(_options.ApiKey, authorization.AsSpan(scheme.Length).Trim()))
        {
            throw new ApiException(401, "invalid_api_key",
                authorization.Length == 0
                    ? "This server needs an API key: send the header Authorization: Bearer <key>."
                    : "The API key sent is not this server's.");
        }
        await next(context).ConfigureAwait(false);
    }

    // Counts every request by route, and the refused or failed ones by the reason their response gives.
    private async Task CountRequestsAsync(HttpContext context, RequestDelegate next)
    {
        string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        using (_metrics.Request(route))
        {
            await next(context).ConfigureAwait(false);
        }
        if (ApiErrors.FailureOf(context) is { } reason)
        {
            _metrics.Failure(route, reason);
        }
    }
}
