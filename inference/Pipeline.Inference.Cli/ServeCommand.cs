using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Inference.Batching;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>serve</c> verb: the HTTP embedding server (<see cref="EmbeddingServer"/>) until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new EmbeddingServerOptions { ModelPath = "encoder.onnx" };
        var model = ModelOptions.Model();
        var name = new Option<string?>("--name")
        {
            Description = "The model's name in requests (default: the file name without its extension).",
        };
        var urls = new Option<string[]>("--urls")
        {
            Description = $"Addresses to listen on (default {EmbeddingServerOptions.DefaultUrl}); any but loopback needs an API key.",
            DefaultValueFactory = _ => [EmbeddingServerOptions.DefaultUrl],
            AllowMultipleArgumentsPerToken = true,
        };
        var apiKeyFile = new Option<string?>("--api-key-file")
        {
            Description = $"A file holding the API key clients send as 'Authorization: Bearer KEY' (default: ${EmbeddingServerOptions.ApiKeyVariable}).",
        };
        var insecure = new Option<bool>("--insecure")
        {
            Description = "Serve addresses other than loopback without an API key (a warning is logged).",
        };
        var watch = new Option<bool>("--watch")
        {
            Description = "Reload the model when its file changes (checked and warmed up first; a broken file is refused).",
        };
        var batchSize = ModelOptions.BatchSize(defaults.Batching.MaxBatchSize);
        var maxWait = new Option<double>("--max-wait-ms")
        {
            Description = "How long a batch waits to fill after its first request.",
            DefaultValueFactory = _ => defaults.Batching.MaxWait.TotalMilliseconds,
        };
        var queue = OptionRules.Positive(new Option<int>("--queue-capacity")
        {
            Description = "Images that may wait; more are answered 429 at once.",
            DefaultValueFactory = _ => defaults.Batching.QueueCapacity,
        });
        var maxImages = OptionRules.Positive(new Option<int>("--max-images-per-request")
        {
            Description = "Most images in one request, at most --batch-size.",
            DefaultValueFactory = _ => defaults.MaxImagesPerRequest,
        });
        var maxBytes = OptionRules.Positive(new Option<int>("--max-request-bytes")
        {
            Description = "Largest request body; larger ones get 413.",
            DefaultValueFactory = _ => (int)defaults.MaxRequestBytes,
        });
        var maxSide = OptionRules.Positive(new Option<int>("--max-image-side")
        {
            Description = "Widest and tallest image accepted, before resizing.",
            DefaultValueFactory = _ => defaults.ImageLimits.MaxWidth,
        });
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("serve", "Serve a model over HTTP: OpenAI-shaped /v1/embeddings, dynamic batching, metrics, reload.")
        {
            model, name, urls, apiKeyFile, insecure, watch, batchSize, maxWait, queue, maxImages, maxBytes, maxSide, provider, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            double waitMs = parse.GetValue(maxWait);
            if (!(waitMs >= 0) || !double.IsFinite(waitMs))
            {
                throw new ArgumentException($"--max-wait-ms must be 0 or more, not {waitMs}.");
            }
            var options = new EmbeddingServerOptions
            {
                ModelPath = parse.GetValue(model)!,
                ModelName = parse.GetValue(name),
                Urls = parse.GetValue(urls)!,
                ApiKey = ApiKeys.Read(parse.GetValue(apiKeyFile)),
                Insecure = parse.GetValue(insecure),
                WatchModelFile = parse.GetValue(watch),
                Model = ModelOptions.Read(parse, provider, threads),
                Batching = new BatchPolicy(parse.GetValue(batchSize), TimeSpan.FromMilliseconds(waitMs), parse.GetValue(queue)),
                MaxImagesPerRequest = parse.GetValue(maxImages),
                MaxRequestBytes = parse.GetValue(maxBytes),
                ImageLimits = new ImageLimits(parse.GetValue(maxSide), parse.GetValue(maxSide)),
            };
            await using EmbeddingServer server = EmbeddingServer.Create(options, CliLogging.Configure);
            await server.RunAsync(cancellationToken);
            return 0;
        }));
        return command;
    }
}
