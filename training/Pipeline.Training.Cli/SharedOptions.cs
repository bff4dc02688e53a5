using System.CommandLine;
using Pipeline.Training.Devices;

namespace Pipeline.Training.Cli;

/// <summary>Options that more than one verb takes, defined once so their names, defaults and help agree.</summary>
public static class SharedOptions
{
    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "Where to compute: auto (CUDA when available), cpu, or cuda.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. TrainingDevice.Names]);

    public static Option<int> Threads() => Positive(new Option<int>("--threads")
    {
        Description = "CPU threads for TorchSharp (default: every core).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    });

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed of every random draw; the same seed gives the same result.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds a check that the value is at least 1, with a message naming the option.</summary>
    public static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1)
            {
                result.AddError($"{option.Name} must be a positive whole number, not {value}.");
            }
        });
        return option;
    }

    /// <summary>Adds a check that the value, when given, is positive and finite.</summary>
    public static Option<double?> PositiveNumber(Option<double?> option)
    {
        option.Validators.Add(result =>
        {
            double? value = result.GetValueOrDefault<double?>();
            if (value is { } number && !(number > 0 && double.IsFinite(number)))
            {
                result.AddError($"{option.Name} must be a positive number, not {number}.");
            }
        });
        return option;
    }

    /// <summary>Applies --threads to TorchSharp.</summary>
    public static void ApplyThreads(int threads) => TorchSharp.torch.set_num_threads(threads);
}
