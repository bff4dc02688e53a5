using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Pipeline.Cli;
using Pipeline.Inference.Batching;

namespace Pipeline.Inference.Bench;

/// <summary>
/// Embeddings per second over HTTP (`pipeline-infer serve`, raw float32 and OpenAI-shaped PNG routes) against
/// in-process <see cref="DynamicBatcher"/> calls with the same batch policy, at several client counts, in one run;
/// p50 and p99 latency, the server's resident memory, and the in-process bytes allocated per request. Two one-client
/// reference rows from the same run, a bare batch-of-one model call and an empty HTTP round trip, check issue 14 §4's
/// goals.
/// </summary>
public static class ServerThroughputBenchmark
{
    private const string RawPath = "HTTP raw float32";

    /// <summary>Issue 14 §4: at 1 client, the server's p50 within this of a bare model call plus an empty HTTP round trip.</summary>
    private const double OneClientOverheadGoalMs = 0.5;

    /// <summary>
    /// Issue 14 §4's "today's" throughput at 32 clients: HTTP raw float32 with the former 2 ms batch wait, measured on
    /// quiet cores on 2026-12-04 (commit 56deb65, bench/results/inference_server.md).
    /// </summary>
    private const double FormerRawPerSecondAt32 = 1723;

    public static RootCommand Create()
    {
        var model = new Option<string>("--model") { Description = "The encoder.onnx to serve.", Required = true };
        var cli = new Option<string>("--cli")
        {
            Description = "pipeline-infer.dll to run the server with.",
            DefaultValueFactory = _ => "inference/Pipeline.Inference.Cli/bin/Release/net10.0/linux-x64/pipeline-infer.dll",
        };
        var clients = new Option<int[]>("--clients")
        {
            Description = "Concurrent client counts to measure.",
            DefaultValueFactory = _ => [1, 8, 32],
            AllowMultipleArgumentsPerToken = true,
        };
        var seconds = OptionRules.Positive(new Option<double?>("--seconds")
        {
            Description = "Measured seconds per path and client count (after a warm-up round).",
            DefaultValueFactory = _ => 3,
        });
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size") { DefaultValueFactory = _ => 32, Description = "Largest batch." });
        var maxWaitMs = new Option<double>("--max-wait-ms") { DefaultValueFactory = _ => 0, Description = "Batch wait (serve's default: 0)." };
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results.",
            DefaultValueFactory = _ => "bench/results/inference_server.md",
        };
        var command = new RootCommand("pipeline-inference-bench: HTTP embedding server against in-process calls; `search`: the embedding index.")
        {
            model, cli, clients, seconds, batchSize, maxWaitMs, output,
        };
        command.SetAction((parse, _) => CliErrors.RunAsync(() => RunAsync(parse.GetValue(model)!, parse.GetValue(cli)!, parse.GetValue(clients)!,
            TimeSpan.FromSeconds(parse.GetValue(seconds)!.Value), new BatchPolicy(parse.GetValue(batchSize),
                TimeSpan.FromMilliseconds(parse.GetValue(maxWaitMs)), QueueCapacity: 1024), parse.GetValue(output)!, args: Environment.GetCommandLineArgs()[1..])));
        return command;
    }

    private static async Task<int> RunAsync(string modelPath, string cliDll, int[] clientCounts, TimeSpan duration, BatchPolicy policy,
        string outputPath, string[] args)
    {
        string loadAverage = MachineLoad.Averages();
        using EmbeddingModel model = EmbeddingModel.Load(modelPath);
        (float[][] pixels, byte[][] pngs) = BenchImages.Load(model.InputShape);
        var results = new List<LoadResult>();

        // The model run directly, as DynamicBatcher runs a batch but with no queue or wait around it.
        float[] embedding = new float[model.EmbeddingDim];
        LoadResult bareModel = await LoadGenerator.RunAsync("bare ONNX Runtime, batch of one", 1, duration, i =>
        {
            model.Embed(pixels[i % BenchImages.Count], embedding);
            return Task.CompletedTask;
        });

        long allocatedBefore, requestsInProcess = 0, allocatedInProcess;
        await using (var batcher = new DynamicBatcher(() => model, policy))
        {
            allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            foreach (int count in clientCounts)
            {
                LoadResult result = await LoadGenerator.RunAsync("in-process", count, duration,
                    i => batcher.EmbedAsync(pixels[i % BenchImages.Count]));
                requestsInProcess += result.Requests + count;
                results.Add(result);
            }
            allocatedInProcess = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        }

        string[] serveOptions =
        [
            "--batch-size", policy.MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            "--max-wait-ms", policy.MaxWait.TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
            "--queue-capacity", policy.QueueCapacity.ToString(CultureInfo.InvariantCulture),
        ];
        (double Now, double Peak) idle, loaded;
        LoadResult emptyHttp;
        using (ServerProcess server = await ServerProcess.StartAsync(cliDll, modelPath, serveOptions))
        {
            idle = server.ResidentMiB();
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clientCounts.Max() })
            {
                BaseAddress = server.Address,
            };
            byte[][] raw = pixels.Select(image => MemoryMarshal.AsBytes(image.AsSpan()).ToArray()).ToArray();
            string name = Path.GetFileNameWithoutExtension(modelPath);
            byte[][] json = pngs.Select(png => Encoding.UTF8.GetBytes(
                $"{{\"model\": \"{name}\", \"input\": [\"{Convert.ToBase64String(png)}\"]}}")).ToArray();
            emptyHttp = await LoadGenerator.RunAsync("empty HTTP round trip (GET /healthz)", 1, duration,
                _ => SendAsync(http, new HttpRequestMessage(HttpMethod.Get, "/healthz")));
            foreach (int count in clientCounts)
            {
                results.Add(await LoadGenerator.RunAsync(RawPath, count, duration,
                    i => PostAsync(http, "/v1/embeddings/raw", raw[i % BenchImages.Count], "application/octet-stream")));
                results.Add(await LoadGenerator.RunAsync("HTTP JSON base64 PNG", count, duration,
                    i => PostAsync(http, "/v1/embeddings", json[i % BenchImages.Count], "application/json")));
            }
            loaded = server.ResidentMiB();
        }

        string report = Report(results, bareModel, emptyHttp, modelPath, model, policy, duration, loadAverage, idle, loaded,
            (double)allocatedInProcess / requestsInProcess, args);
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        await File.WriteAllTextAsync(outputPath, report);
        Console.Error.WriteLine($"wrote {outputPath}");
        return 0;
    }

    private static Task PostAsync(HttpClient http, string route, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return SendAsync(http, new HttpRequestMessage(HttpMethod.Post, route) { Content = content });
    }

    /// <summary>Sends <paramref name="request"/> (and disposes it), reads the whole answer, and throws unless it is a success.</summary>
    private static async Task SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            using HttpResponseMessage response = await http.SendAsync(request).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"{request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        }
    }

    private static string Report(List<LoadResult> results, LoadResult bareModel, LoadResult emptyHttp, string modelPath, EmbeddingModel model,
        BatchPolicy policy, TimeSpan duration, string loadAverage, (double Now, double Peak) idle, (double Now, double Peak) loaded, double bytesPerRequest, string[] args)
    {
        var text = new StringBuilder();
        text.AppendLine("# Embedding server against in-process calls");
        text.AppendLine();
        text.AppendLine($"Command: `dotnet bench/Pipeline.Inference.Bench/bin/Release/net10.0/linux-x64/pipeline-inference-bench.dll {string.Join(' ', args)}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Model: {modelPath} ({model.Metadata.Encoder}, {model.InputShape} → {model.EmbeddingDim}), ONNX Runtime CPU, one image per request.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Batch policy (both paths): at most {policy.MaxBatchSize} images, {policy.MaxWait.TotalMilliseconds} ms wait, queue {policy.QueueCapacity}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores, load average {loadAverage} at the start (clients and server share the cores); {duration.TotalSeconds} s per row after a warm-up round.");
        text.AppendLine();
        text.AppendLine("| path | clients | embeddings/s | p50 ms | p99 ms | of in-process |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (LoadResult result in results)
        {
            LoadResult baseline = results.First(r => r.Path == "in-process" && r.Clients == result.Clients);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {result.Path} | {result.Clients} | {result.EmbeddingsPerSecond:F0} | {result.Percentile(0.5):F2} | {result.Percentile(0.99):F2} | {result.EmbeddingsPerSecond / baseline.EmbeddingsPerSecond:P0} |");
        }
        text.AppendLine();
        text.AppendLine("One client, the same run: the model called directly (`EmbeddingModel.Embed`, no batcher), and the server asked for");
        text.AppendLine("`/healthz` (no model work) over the HTTP client and connection the rows above use.");
        text.AppendLine();
        text.AppendLine("| reference | clients | requests/s | p50 ms | p99 ms |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (LoadResult reference in (LoadResult[])[bareModel, emptyHttp])
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {reference.Path} | {reference.Clients} | {reference.EmbeddingsPerSecond:F0} | {reference.Percentile(0.5):F2} | {reference.Percentile(0.99):F2} |");
        }
        text.AppendLine();
        GoalLines(text, results, bareModel, emptyHttp);
        text.AppendLine(CultureInfo.InvariantCulture, $"- Server resident memory: {idle.Now:F0} MiB with the model loaded and warmed up, {loaded.Peak:F0} MiB at its peak under load (goal < 250 MB).");
        text.AppendLine(CultureInfo.InvariantCulture, $"- In-process allocation: {bytesPerRequest:F0} bytes per request (batcher, OrtValues, the result array).");
        return text.ToString();
    }

    // Issue 14 §4's two goals, each from the rows of this run that it is defined on; a goal whose row was not measured
    // (--clients without 1 or 32) is left out.
    private static void GoalLines(StringBuilder text, List<LoadResult> results, LoadResult bareModel, LoadResult emptyHttp)
    {
        if (results.FirstOrDefault(r => r.Path == RawPath && r.Clients == 1) is { } oneClient)
        {
            double server = oneClient.Percentile(0.5);
            double bare = bareModel.Percentile(0.5);
            double empty = emptyHttp.Percentile(0.5);
            double over = server - (bare + empty);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- Goal at 1 client: {RawPath} p50 {server:F2} ms against {bare:F2} ms bare + {empty:F2} ms empty HTTP = {bare + empty:F2} ms: "
                + $"{over:+0.00;-0.00} ms, {(over <= OneClientOverheadGoalMs ? "within" : "not within")} {OneClientOverheadGoalMs} ms.");
        }
        if (results.FirstOrDefault(r => r.Path == RawPath && r.Clients == 32) is { } manyClients)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- At 32 clients: {RawPath} {manyClients.EmbeddingsPerSecond:F0}/s against {FormerRawPerSecondAt32:F0}/s with the former 2 ms wait "
                + $"(quiet cores, 2026-12-04): {manyClients.EmbeddingsPerSecond / FormerRawPerSecondAt32:F2}x.");
        }
    }
}
