using Pipeline.Inference.Registry;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Server;

/// <summary>What a server serving a registry alias needs to follow it: see <see cref="RegistryModelFollower"/>.</summary>
/// <param name="Cache">Where versions are pulled to.</param>
/// <param name="Alias">The alias followed (NAME@ALIAS).</param>
/// <param name="Version">The version loaded at start.</param>
/// <param name="ETag">The alias's ETag read before that version was resolved.</param>
/// <param name="PollInterval">Time between reads of the alias.</param>
public sealed record RegistryFollowOptions(RegistryModelCache Cache, ModelReference Alias, ModelVersion Version, string? ETag,
    TimeSpan PollInterval)
{
    /// <summary>The precision served, pulled again for every new version (<see cref="FileVariant.ReferencePrecision"/> by default).</summary>
    public string Precision { get; init; } = FileVariant.ReferencePrecision;
}
