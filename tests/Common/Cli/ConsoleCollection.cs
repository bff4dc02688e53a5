namespace Pipeline.Tests;

/// <summary>Tests that redirect the process-wide console (<see cref="CliRunner"/>) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
