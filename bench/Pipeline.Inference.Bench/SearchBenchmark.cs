using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Bench;

/// <summary>
/// Queries per second and latency (p50, p99) of <see cref="EmbeddingIndex.Search(ReadOnlySpan{float}, int, int)"/>, exact
/// cosine search, on indexes of seeded random unit vectors, on one thread and on as many as the thread pool gives; one
/// JSON object on stdout (bench/search.py puts FAISS's figures beside it).
/// </summary>
public static class SearchBenchmark
{
    private const int DistinctQueries = 256;

    public static Command Create()
    {
        var sizes = new Option<int[]>("--sizes")
        {
            Description = "Index sizes (entries) to measure.",
            DefaultValueFactory = _ => [10_000, 100_000, 1_000_000],
            AllowMultipleArgumentsPerToken = true,
        };
        var dim = OptionRules.Positive(new Option<int>("--dim") { Description = "Floats per vector.", DefaultValueFactory = _ => 128 });
        var topK = OptionRules.Positive(new Option<int>("--top-k") { Description = "Entries per query.", DefaultValueFactory = _ => 10 });
        var seconds = OptionRules.Positive(new Option<double>("--seconds")
        {
            Description = "Measured seconds per size and thread setting (at least --min-queries queries).",
            DefaultValueFactory = _ => 5,
        });
        var minQueries = OptionRules.Positive(new Option<int>("--min-queries") { Description = "Fewest queries timed.", DefaultValueFactory = _ => 50 });
        var command = new Command("search", "Queries/s and p50/p99 latency of exact top-k cosine search over random unit vectors; one JSON object.")
        {
            sizes, dim, topK, seconds, minQueries,
        };
        command.SetAction(parse =>
        {
            var rows = new List<Dictionary<string, object>>();
            foreach (int size in parse.GetValue(sizes)!)
            {
                rows.AddRange(Measure(size, parse.GetValue(dim), parse.GetValue(topK), parse.GetValue(seconds), parse.GetValue(minQueries)));
            }
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["engine"] = "EmbeddingIndex (System.Numerics.Tensors)",
                ["processors"] = Environment.ProcessorCount,
                ["vector_isa"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512"
                    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "128-bit",
                ["rows"] = rows,
            }));
            return 0;
        });
        return command;
    }

    private static IEnumerable<Dictionary<string, object>> Measure(int size, int dim, int k, double seconds, int minQueries)
    {
        var random = new Random(size);
        var clock = Stopwatch.StartNew();
        var index = new EmbeddingIndex(new string('0', 64), dim);
        // In slices, so that no second copy of a million vectors is held while the index copies them in.
        const int slice = 65_536;
        for (int start = 0; start < size; start += slice)
        {
            int count = Math.Min(slice, size - start);
            index.Add(Enumerable.Range(start, count).Select(i => $"item-{i:D7}").ToArray(), RandomVectors(random, count * dim));
        }
        double buildSeconds = clock.Elapsed.TotalSeconds;
        float[] queries = RandomVectors(random, DistinctQueries * dim);
        Console.Error.WriteLine($"{size} vectors of {dim}: built in {buildSeconds:F1} s");

        // Both settings must find the same entries.
        ReadOnlySpan<float> first = queries.AsSpan(0, dim);
        if (!index.Search(first, k, 1).SequenceEqual(index.Search(first, k, -1)))
        {
            throw new InvalidOperationException("One thread and many found different entries.");
        }
        foreach ((string threads, int parallelism) in new[] { ("1", 1), ("default", -1) })
        {
            for (int q = 0; q < 3; q++)
            {
                index.Search(queries.AsSpan(q * dim, dim), k, parallelism);
            }
            var latencies = new List<double>();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            while (clock.Elapsed.TotalSeconds < seconds || latencies.Count < minQueries)
            {
                int q = latencies.Count % DistinctQueries;
                long started = Stopwatch.GetTimestamp();
                index.Search(queries.AsSpan(q * dim, dim), k, parallelism);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            double elapsed = clock.Elapsed.TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            latencies.Sort();
            Console.Error.WriteLine($"  threads {threads}: {latencies.Count / elapsed:F1} queries/s, p99 {Percentiles.NearestRank(latencies, 0.99):F2} ms");
            yield return new Dictionary<string, object>
            {
                ["size"] = size,
                ["dim"] = dim,
                ["top_k"] = k,
                ["threads"] = threads,
                ["queries"] = latencies.Count,
                ["queries_per_second"] = latencies.Count / elapsed,
                ["p50_ms"] = Percentiles.NearestRank(latencies, 0.50),
                ["p99_ms"] = Percentiles.NearestRank(latencies, 0.99),
                ["max_ms"] = latencies[^1],
                ["managed_bytes_per_query"] = allocated / latencies.Count,
                ["build_seconds"] = buildSeconds,
                ["vectors_mb"] = (double)size * dim * sizeof(float) / 1e6,
            };
        }
    }

    // Uniform in [-1, 1) per component; the index scales every row to unit length.
    private static float[] RandomVectors(Random random, int floats)
    {
        float[] values = new float[floats];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle() * 2 - 1;
        }
        return values;
    }
}
