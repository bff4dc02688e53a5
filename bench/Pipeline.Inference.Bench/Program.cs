using System.CommandLine;
using Pipeline.Inference.Bench;

// The server benchmark is the root command (make bench runs it so); `search` measures the embedding index, `soak` the
// server under minutes of good and bad load from many clients (make soak), `storage-faults` the model registry on an
// Azurite killed mid-operation (make fault-storage).
RootCommand root = ServerThroughputBenchmark.Create();
root.Subcommands.Add(SearchBenchmark.Create());
root.Subcommands.Add(ServerSoakBenchmark.Create());
root.Subcommands.Add(StorageFaultBenchmark.Create());
return await root.Parse(args).InvokeAsync();
