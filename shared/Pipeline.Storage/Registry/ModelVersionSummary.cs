namespace Pipeline.Storage.Registry;

/// <summary>A line of <see cref="ModelRegistry.ListVersionsAsync"/>: a published version, or the remains of an abandoned publish.</summary>
/// <param name="Version">The version.</param>
/// <param name="Manifest">Its manifest, or null when the publish never finished (an orphan: invisible to readers; delete removes it).</param>
/// <param name="Aliases">The aliases that name it.</param>
public sealed record ModelVersionSummary(ModelVersion Version, ModelManifest? Manifest, IReadOnlyList<string> Aliases)
{
    public bool IsPublished => Manifest is not null;
}
