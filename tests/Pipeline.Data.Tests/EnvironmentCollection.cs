namespace Pipeline.Data.Tests;

/// <summary>Tests that set or read process environment variables, run one at a time and apart from all others.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;
