using System.CommandLine;
using Pipeline.Inference.Bench;

// The server benchmark is the root command (make bench runs it so); `search` measures the embedding index.
RootCommand root = ServerThroughputBenchmark.Create();
root.Subcommands.Add(SearchBenchmark.Create());
return await root.Parse(args).InvokeAsync();
