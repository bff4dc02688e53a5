using System.CommandLine;
using Pipeline.Bench;

var root = new RootCommand("pipeline-bench: benchmark drivers; make bench runs them beside their peers.")
{
    SimClrStepBenchmark.Create(),
    EncoderInferenceBenchmark.Create(),
    PrecisionBenchmark.Create(),
    FineTuneBenchmark.SpeedCommand(),
    FineTuneBenchmark.AccuracyCommand(),
    FineTuneBenchmark.ScratchCommand(),
};
return await root.Parse(args).InvokeAsync();
