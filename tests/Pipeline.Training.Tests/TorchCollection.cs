namespace Pipeline.Training.Tests;

/// <summary>
/// Tests that train or set TorchSharp's global state (seed, threads) run one at a time: torch's global generator is
/// shared by the process, and two trainings at once would also make each other's timings meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "TorchSharp global state";
}
