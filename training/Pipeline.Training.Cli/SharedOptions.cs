using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Training.Devices;
using Pipeline.Training.MixedPrecision;

namespace Pipeline.Training.Cli;

/// <summary>Options that more than one verb takes, defined once so their names, defaults and help agree.</summary>
public static class SharedOptions
{
    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "Where to compute: auto (CUDA when available), cpu, or cuda.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. TrainingDevice.Names]);

    public static Option<int> Threads() => OptionRules.Positive(new Option<int>("--threads")
    {
        Description = "CPU threads for TorchSharp (default: every core).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    });

    public static Option<TrainingPrecision> Precision() => OptionRules.OneOf(new Option<TrainingPrecision>("--precision")
    {
        Description = "fp32, or bf16: mixed precision, the encoder's and projection head's convolutions and linear layers in bfloat16 from "
            + "float32 weights (optimizer, batch-norm statistics, loss and the saved weights stay float32); fast on CPUs with AVX-512 BF16 or AMX.",
        DefaultValueFactory = _ => TrainingPrecision.Fp32,
    });

    public static Option<int> Seed() => OptionRules.NonNegative(new Option<int>("--seed")
    {
        Description = "Seed of every random draw; the same seed gives the same result.",
        DefaultValueFactory = _ => 0,
    });

    /// <summary>Applies --threads to TorchSharp.</summary>
    public static void ApplyThreads(int threads) => TorchSharp.torch.set_num_threads(threads);
}
