using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Pipeline.Cli;
using Pipeline.Data;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The server soak (issue 12): `pipeline-infer serve`, optionally pinned to its own cores, takes concurrent clients
/// mixing good and bad requests for minutes on end. Per minute: good requests answered and failed, bad requests refused
/// with a 4xx and mishandled, good requests' p50 and p99, the server's resident memory. It fails (exit 1, after writing
/// the report) when a good request fails, a bad one is not refused with a 4xx, or the server dies.
/// </summary>
public static class ServerSoakBenchmark
{
    private const string ServedName = "soak";
    private const int MaxImagesPerRequest = 8;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The encoder.onnx to serve.", Required = true };
        var cli = new Option<string>("--cli")
        {
            Description = "pipeline-infer.dll to run the server with.",
            DefaultValueFactory = _ => "inference/Pipeline.Inference.Cli/bin/Release/net10.0/linux-x64/pipeline-infer.dll",
        };
        var minutes = OptionRules.Positive(new Option<int>("--minutes") { Description = "How long to soak.", DefaultValueFactory = _ => 10 });
        var clients = OptionRules.Positive(new Option<int>("--clients")
        {
            Description = "Concurrent clients, each sending its next request when the last one returns.",
            DefaultValueFactory = _ => 32,
        });
        var badShare = OptionRules.Probability(new Option<double>("--bad-share")
        {
            Description = "The fraction of requests that are malformed.",
            DefaultValueFactory = _ => 0.2,
        });
        var serverCpus = new Option<string?>("--server-cpus")
        {
            Description = "A taskset CPU list the server is pinned to (such as 0); run the benchmark itself pinned to the others (make soak does).",
        };
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { DefaultValueFactory = _ => 32, Description = "The server's largest batch." });
        var maxWaitMs = OptionRules.NonNegative(new Option<double>("--max-wait-ms") { DefaultValueFactory = _ => 2, Description = "The server's batch wait." });
        var seed = OptionRules.NonNegative(new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Seed of the request mix." });
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results.",
            DefaultValueFactory = _ => "bench/results/reliability.md",
        };
        var command = new Command("soak", "Soak the embedding server with good and bad requests from many clients; per-minute failures, latency and memory.")
        {
            model, cli, minutes, clients, badShare, serverCpus, batchSize, maxWaitMs, seed, output,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => RunAsync(parse.GetValue(model)!, parse.GetValue(cli)!,
            parse.GetValue(minutes), parse.GetValue(clients), parse.GetValue(badShare), parse.GetValue(serverCpus),
            ["--batch-size", parse.GetValue(batchSize).ToString(CultureInfo.InvariantCulture),
             "--max-wait-ms", parse.GetValue(maxWaitMs).ToString(CultureInfo.InvariantCulture)],
            parse.GetValue(seed), parse.GetValue(output)!, Environment.GetCommandLineArgs()[1..], cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(string modelPath, string cliDll, int minuteCount, int clientCount, double badShare, string? serverCpus,
        string[] batchOptions, int seed, string outputPath, string[] args, CancellationToken cancellationToken)
    {
        string loadAverage = MachineLoad.Averages();
        ImageShape shape;
        string description;
        using (EmbeddingModel model = EmbeddingModel.Load(modelPath))
        {
            shape = model.InputShape;
            description = $"{model.Metadata.Encoder}, {model.InputShape} → {model.EmbeddingDim}";
        }
        (float[][] pixels, byte[][] pngs) = BenchImages.Load(shape);
        var mix = new SoakRequestMix(pixels, pngs, ServedName, MaxImagesPerRequest, badShare);
        var minutes = Enumerable.Range(1, minuteCount).Select(minute => new SoakMinute(minute)).ToArray();
        var wrongOutcomes = new ConcurrentQueue<string>();
        int? exitCode = null;
        IReadOnlyList<string> lastOutput = [];

        using (ServerProcess server = await ServerProcess.StartAsync(cliDll, modelPath,
            ["--name", ServedName, "--max-images-per-request", MaxImagesPerRequest.ToString(CultureInfo.InvariantCulture), .. batchOptions], serverCpus))
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clientCount })
            {
                BaseAddress = server.Address,
                Timeout = TimeSpan.FromSeconds(30),
            };
            Console.Error.WriteLine($"Soaking {server.Address} ({modelPath}) for {minuteCount} min: {clientCount} clients, {badShare:P0} bad requests…");
            var clock = Stopwatch.StartNew();
            Task sampler = SampleMemoryAsync(server, minutes, clock, cancellationToken);
            await Task.WhenAll(Enumerable.Range(0, clientCount).Select(client => Task.Run(async () =>
            {
                var random = new Random(HashCode.Combine(seed, client));
                while (!cancellationToken.IsCancellationRequested && !server.HasExited)
                {
                    int minute = (int)clock.Elapsed.TotalMinutes;
                    if (minute >= minuteCount)
                    {
                        return;
                    }
                    SoakRequest request = mix.Next(random);
                    long started = Stopwatch.GetTimestamp();
                    (int? status, string? error) = await SendAsync(http, request, cancellationToken);
                    if (!minutes[minute].Record(request, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds) && wrongOutcomes.Count < 20)
                    {
                        wrongOutcomes.Enqueue($"{request.Kind} → {(status is { } code ? code.ToString(CultureInfo.InvariantCulture) : error)}");
                    }
                }
            }, cancellationToken)));
            await sampler;
            if (server.HasExited)
            {
                exitCode = server.ExitCode;
                lastOutput = server.RecentOutput;
            }
        }

        string report = Report(minutes, mix, wrongOutcomes, exitCode, lastOutput, modelPath, description, clientCount, badShare, serverCpus,
            batchOptions, loadAverage, args);
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        await File.WriteAllTextAsync(outputPath, report, cancellationToken);
        Console.Error.WriteLine($"wrote {outputPath}");
        bool failed = exitCode is not null || minutes.Any(minute => minute.GoodFailed > 0 || minute.BadMishandled > 0);
        return failed ? 1 : 0;
    }

    // The server's resident memory at the end of every minute, while it runs.
    private static async Task SampleMemoryAsync(ServerProcess server, SoakMinute[] minutes, Stopwatch clock, CancellationToken cancellationToken)
    {
        foreach (SoakMinute minute in minutes)
        {
            TimeSpan end = TimeSpan.FromMinutes(minute.Minute);
            if (end > clock.Elapsed)
            {
                await Task.Delay(end - clock.Elapsed, cancellationToken);
            }
            if (server.HasExited)
            {
                return;
            }
            minute.ResidentMiB = server.ResidentMiB().Now;
        }
    }

    // The response's status, or null and why when none came.
    private static async Task<(int? Status, string? Error)> SendAsync(HttpClient http, SoakRequest request, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
        try
        {
            using HttpResponseMessage response = await http.PostAsync(request.Route, content, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return ((int)response.StatusCode, null);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"{error.GetType().Name}: {error.Message}");
        }
    }

    private static string Report(SoakMinute[] minutes, SoakRequestMix mix, IEnumerable<string> wrongOutcomes, int? exitCode, IReadOnlyList<string> lastOutput,
        string modelPath, string description, int clientCount, double badShare, string? serverCpus, string[] batchOptions, string loadAverage, string[] args)
    {
        var text = new StringBuilder();
        text.AppendLine("# Server soak: good and bad requests from many clients");
        text.AppendLine();
        text.AppendLine($"Command: `dotnet bench/Pipeline.Inference.Bench/bin/Release/net10.0/linux-x64/pipeline-inference-bench.dll {string.Join(' ', args)}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Model: {modelPath} ({description}), ONNX Runtime CPU; served with {string.Join(' ', batchOptions)}, at most {MaxImagesPerRequest} images per request.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Load: {clientCount} clients on persistent connections, each sending its next request when the last returns; {badShare:P0} of requests malformed ({string.Join(", ", mix.BadKinds)}), the rest raw float32 and OpenAI-shaped base64 PNG, one image each.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: the load generator sees {Environment.ProcessorCount} of the cores, load average {loadAverage} at the start; server {(serverCpus is null ? "on any core" : $"pinned to CPU {serverCpus} (taskset)")}.");
        text.AppendLine();
        text.AppendLine("| minute | good answered | good failed | bad refused (4xx) | bad mishandled | good/s | p50 ms | p99 ms | server RSS MiB |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (SoakMinute minute in minutes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {minute.Minute} | {minute.GoodAnswered} | {minute.GoodFailed} | {minute.BadRefused} | {minute.BadMishandled} | {minute.GoodAnswered / 60.0:F0} | "
                + $"{minute.GoodLatencyPercentile(0.5):F2} | {minute.GoodLatencyPercentile(0.99):F2} | {(minute.ResidentMiB is { } rss ? rss.ToString("F0", CultureInfo.InvariantCulture) : "—")} |");
        }
        text.AppendLine();
        int good = minutes.Sum(minute => minute.GoodAnswered + minute.GoodFailed), goodFailed = minutes.Sum(minute => minute.GoodFailed);
        int bad = minutes.Sum(minute => minute.BadRefused + minute.BadMishandled), badMishandled = minutes.Sum(minute => minute.BadMishandled);
        text.AppendLine(CultureInfo.InvariantCulture, $"- Good requests failed: **{goodFailed}** of {good} (goal 0). Bad requests not refused with a 4xx: **{badMishandled}** of {bad} (goal 0).");
        text.AppendLine(exitCode is { } code
            ? $"- **The server died** (exit code {code}); its last lines:\n\n```\n{string.Join('\n', lastOutput)}\n```"
            : "- The server ran to the end: 0 crashes.");
        double?[] memory = [.. minutes.Select(minute => minute.ResidentMiB)];
        if (memory.Length > 1 && memory[0] is { } first && memory[^1] is { } last)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- Resident memory: {first:F0} MiB after minute 1, {last:F0} MiB after minute {memory.Length}: {(last - first) / first:+0.0%;-0.0%} (goal < +10%).");
        }
        string[] wrong = [.. wrongOutcomes];
        if (wrong.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- First wrong outcomes: {string.Join("; ", wrong)}.");
        }
        return text.ToString();
    }
}
