namespace Pipeline.Storage.Registry;

/// <summary>One move of an alias, kept in its history.</summary>
/// <param name="Version">The version the alias was moved to.</param>
/// <param name="UpdatedUtc">When.</param>
public sealed record AliasChange(ModelVersion Version, DateTimeOffset UpdatedUtc);
