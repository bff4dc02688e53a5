namespace Pipeline.Storage.Registry;

/// <summary>A version <see cref="ModelRegistry.PublishAsync"/> wrote.</summary>
/// <param name="Manifest">Its manifest, as stored.</param>
/// <param name="Aliases">The aliases that name it now.</param>
public sealed record PublishedModel(ModelManifest Manifest, IReadOnlyList<string> Aliases)
{
    public ModelReference Reference => ModelReference.ForVersion(Manifest.Name, Manifest.Version);
}
