using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Errors;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>serve</c> verb: binds its options into <see cref="ServeOptions"/> and runs the HTTP embedding server
/// (<see cref="EmbeddingServer.ServeAsync"/>) until Ctrl+C or SIGTERM.
/// </summary>
public sealed class ServeCommand
{
    // The library's defaults, shown in the help and taken when an option is left out.
    private static readonly ServeOptions Defaults = new() { ModelPath = "encoder.onnx" };

    private readonly ModelSource _source = new(choosesPrecision: true);
    private readonly Option<string?> _name = new("--name")
    {
        Description = "The model's name in requests (default: the registry model's name, or the file name without its extension).",
    };
    private readonly Option<double?> _pollSeconds = OptionRules.Positive(new Option<double?>("--poll-seconds")
    {
        Description = $"How often a registry alias is read for a new version (default {ServeOptions.DefaultPollSeconds}).",
    });
    private readonly Option<string[]> _urls = new("--urls")
    {
        Description = $"Addresses to listen on (default {EmbeddingServerOptions.DefaultUrl}); any but loopback needs an API key.",
        DefaultValueFactory = _ => [.. Defaults.Urls],
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<string?> _apiKeyFile = new("--api-key-file")
    {
        Description = $"A file holding the API key clients send as 'Authorization: Bearer KEY' (default: ${EmbeddingServerOptions.ApiKeyVariable}).",
    };
    private readonly Option<bool> _insecure = new("--insecure")
    {
        Description = "Serve addresses other than loopback without an API key (a warning is logged).",
    };
    private readonly Option<bool> _watch = new("--watch")
    {
        Description = "Reload the model when its file changes (checked and warmed up first; a broken file is refused).",
    };
    private readonly Option<int> _batchSize = ModelOptions.BatchSize(Defaults.BatchSize);
    private readonly Option<double> _maxWait = OptionRules.NonNegative(new Option<double>("--max-wait-ms")
    {
        Description = "How long a batch waits to fill after its first request (0: no wait; an idle model runs a request at once, and requests that arrive meanwhile form the next batch).",
        DefaultValueFactory = _ => Defaults.MaxWaitMs,
    });
    private readonly Option<int> _queue = OptionRules.Positive(new Option<int>("--queue-capacity")
    {
        Description = "Images that may wait; more are answered 429 at once.",
        DefaultValueFactory = _ => Defaults.QueueCapacity,
    });
    private readonly Option<int> _maxImages = OptionRules.Positive(new Option<int>("--max-images-per-request")
    {
        Description = "Most images in one request, at most --batch-size.",
        DefaultValueFactory = _ => Defaults.MaxImagesPerRequest,
    });
    private readonly Option<int> _maxBytes = OptionRules.Positive(new Option<int>("--max-request-bytes")
    {
        Description = "Largest request body; larger ones get 413.",
        DefaultValueFactory = _ => (int)Defaults.MaxRequestBytes,
    });
    private readonly Option<int> _maxSide = OptionRules.Positive(new Option<int>("--max-image-side")
    {
        Description = "Widest and tallest image accepted, before resizing.",
        DefaultValueFactory = _ => Defaults.MaxImageSide,
    });
    private readonly Option<string?> _index = new("--index")
    {
        Description = "An index of a catalogue (pipeline-infer index build) built with the served model: POST /v1/search looks images and embeddings up in it.",
        HelpName = "FILE",
    };
    private readonly Option<ExecutionProvider> _provider = ModelOptions.ExecutionProvider();
    private readonly Option<int> _threads = ModelOptions.Threads();

    private ServeCommand()
    {
    }

    public static Command Create() => new ServeCommand().Build();

    private Command Build()
    {
        var command = new Command("serve", "Serve a model over HTTP: OpenAI-shaped /v1/embeddings, /v1/search with --index, dynamic batching, metrics, reload.")
        {
            _name, _pollSeconds, _urls, _apiKeyFile, _insecure, _watch, _batchSize, _maxWait, _queue, _maxImages, _maxBytes, _maxSide, _index, _provider, _threads,
        };
        foreach (Option option in _source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ServeOptions options = Bind(parse, await _source.ResolveAsync(parse, cancellationToken));
            try
            {
                await OptionErrors.NamedAsync(() => EmbeddingServer.ServeAsync(options, CliLogging.Configure, cancellationToken));
            }
            catch (UserErrorException error) when (Advice(error) is { } advice)
            {
                throw new UserErrorException(advice, error);
            }
            // Stopped by SIGINT or SIGTERM (the only way it stops) after answering what was in flight: cancelled, as every verb says it.
            Console.Error.WriteLine("cancelled.");
            return ExitCodes.Cancelled;
        }));
        return command;
    }

    // The server's refusals of its addresses, in the options' words.
    private string? Advice(UserErrorException error) => error switch
    {
        ListenAddressInUseException => $"{_urls.Name} {error.Message}",
        UnprotectedAddressException exposed => $"{string.Join(", ", exposed.Addresses)} can be reached from other machines, so the server needs an API key: "
            + $"set {EmbeddingServerOptions.ApiKeyVariable} or pass {_apiKeyFile.Name} (or {_insecure.Name} to serve anyone, at your risk).",
        _ => null,
    };

    private ServeOptions Bind(ParseResult parse, ResolvedModel model) => new()
    {
        ModelPath = model.Path,
        RegistryVersion = model.FromRegistry,
        RegistryCache = model.Cache,
        AliasETag = model.AliasETag,
        PollSeconds = parse.GetValue(_pollSeconds),
        ModelName = parse.GetValue(_name),
        Urls = parse.GetValue(_urls)!,
        ApiKeyFile = parse.GetValue(_apiKeyFile),
        Insecure = parse.GetValue(_insecure),
        Watch = parse.GetValue(_watch),
        Model = model.Apply(ModelOptions.Read(parse, _provider, _threads)),
        BatchSize = parse.GetValue(_batchSize),
        MaxWaitMs = parse.GetValue(_maxWait),
        QueueCapacity = parse.GetValue(_queue),
        MaxImagesPerRequest = parse.GetValue(_maxImages),
        MaxRequestBytes = parse.GetValue(_maxBytes),
        MaxImageSide = parse.GetValue(_maxSide),
        Index = parse.GetValue(_index),
    };
}
