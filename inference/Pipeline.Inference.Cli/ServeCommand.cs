using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using Pipeline.Cli;
using Pipeline.Errors;
using Pipeline.Inference.Batching;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Search;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>serve</c> verb: the HTTP embedding server (<see cref="EmbeddingServer"/>) until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new EmbeddingServerOptions { ModelPath = "encoder.onnx" };
        var source = new ModelSource(choosesPrecision: true);
        var name = new Option<string?>("--name")
        {
            Description = "The model's name in requests (default: the registry model's name, or the file name without its extension).",
        };
        var pollSeconds = OptionRules.Positive(new Option<double?>("--poll-seconds")
        {
            Description = "How often a registry alias is read for a new version (default 30).",
        });
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
        var maxWait = OptionRules.NonNegative(new Option<double>("--max-wait-ms")
        {
            Description = "How long a batch waits to fill after its first request.",
            DefaultValueFactory = _ => defaults.Batching.MaxWait.TotalMilliseconds,
        });
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
        var index = new Option<string?>("--index")
        {
            Description = "An index of a catalogue (pipeline-infer index build) built with the served model: POST /v1/search looks images and embeddings up in it.",
            HelpName = "FILE",
        };
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("serve", "Serve a model over HTTP: OpenAI-shaped /v1/embeddings, /v1/search with --index, dynamic batching, metrics, reload.")
        {
            name, pollSeconds, urls, apiKeyFile, insecure, watch, batchSize, maxWait, queue, maxImages, maxBytes, maxSide, index, provider, threads,
        };
        foreach (Option option in source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            EmbeddingIndex? catalogue = parse.GetValue(index) is { } indexPath ? IndexCommand.LoadIndex(index.Name, indexPath) : null;
            ResolvedModel model = await source.ResolveAsync(parse, cancellationToken);
            if (parse.GetValue(pollSeconds) is not null && model.AliasETag is null && model.FromRegistry?.Reference.Alias is null)
            {
                throw new UsageException("--poll-seconds follows a registry alias: give --model registry:NAME@ALIAS.");
            }
            var options = new EmbeddingServerOptions
            {
                ModelPath = model.Path,
                ModelName = parse.GetValue(name) ?? model.FromRegistry?.Reference.Name,
                Registry = model.FromRegistry is { Reference.Alias: not null } cached
                    ? new RegistryFollowOptions(model.Cache!, cached.Reference, cached.Version, model.AliasETag,
                        TimeSpan.FromSeconds(parse.GetValue(pollSeconds) ?? 30)) { Precision = cached.Precision }
                    : null,
                Urls = parse.GetValue(urls)!,
                ApiKey = ApiKeys.Read(parse.GetValue(apiKeyFile)),
                Insecure = parse.GetValue(insecure),
                WatchModelFile = parse.GetValue(watch),
                Model = model.Apply(ModelOptions.Read(parse, provider, threads)),
                Batching = new BatchPolicy(parse.GetValue(batchSize), TimeSpan.FromMilliseconds(parse.GetValue(maxWait)), parse.GetValue(queue)),
                MaxImagesPerRequest = parse.GetValue(maxImages),
                MaxRequestBytes = parse.GetValue(maxBytes),
                ImageLimits = new ImageLimits(parse.GetValue(maxSide), parse.GetValue(maxSide)),
                Index = catalogue,
            };
            EmbeddingServer created;
            try
            {
                created = EmbeddingServer.Create(options, CliLogging.Configure);
            }
            catch (IndexModelMismatchException error)
            {
                throw new UsageException($"--index {parse.GetValue(index)} was not built with --model {parse.GetValue(source.Model)}. {error.Message}");
            }
            await using EmbeddingServer server = created;
            try
            {
                await server.RunAsync(cancellationToken);
            }
            catch (IOException error) when (error.InnerException is AddressInUseException)
            {
                throw new UserErrorException(
                    $"--urls {string.Join(" ", options.Urls)}: the address is already in use (another server on that port?): stop it, or give another --urls.", error);
            }
            return 0;
        }));
        return command;
    }
}
