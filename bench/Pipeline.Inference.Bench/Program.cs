using System.CommandLine;
using Pipeline.Inference.Bench;

// The server benchmark is the root command (make bench runs it so); `search` measures the embedding index, `soak` the
// server under minutes of good and bad load from many clients (make soak).
RootCommand root = ServerThroughputBenchmark.Create();
root.Subcommands.Add(SearchBenchmark.Create());
root.Subcommands.Add(ServerSoakBenchmark.Create());
return await root.Parse(args).InvokeAsync();
