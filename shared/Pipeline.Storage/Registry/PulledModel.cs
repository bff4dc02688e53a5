namespace Pipeline.Storage.Registry;

/// <summary>A version <see cref="ModelRegistry.PullAsync"/> downloaded and verified.</summary>
/// <param name="Manifest">The manifest of what was pulled, in its precision (also written to the folder as manifest.json).</param>
/// <param name="Directory">The folder the files are in.</param>
/// <param name="ResolvedFrom">The reference it was pulled by (an alias, or the version itself).</param>
/// <param name="Precision">The precision pulled (<see cref="FileVariant.ReferencePrecision"/> unless asked otherwise).</param>
public sealed record PulledModel(ModelManifest Manifest, string Directory, ModelReference ResolvedFrom, string Precision)
{
    /// <summary>The local path of a file of the version.</summary>
    public string PathOf(string file) => System.IO.Path.Combine(Directory, file.Replace('/', System.IO.Path.DirectorySeparatorChar));
}
