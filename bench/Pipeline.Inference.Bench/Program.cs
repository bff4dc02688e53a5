using Pipeline.Inference.Bench;

return await ServerThroughputBenchmark.Create().Parse(args).InvokeAsync();
