namespace Pipeline.Storage.Registry;

/// <summary>
/// A precision variant to publish was not made from the file of the version it is a variant of (its recorded source
/// SHA-256 is another file's); nothing was published. The message names both hashes.
/// </summary>
public sealed class VariantSourceMismatchException : ModelRegistryException
{
    public VariantSourceMismatchException(FileVariant variant, string actualSha256)
        : base($"{variant.Path} ({variant.Precision}) was made from a file with SHA-256 {variant.SourceSha256}, but the {variant.Of} "
            + $"published with it has SHA-256 {actualSha256}: make the variant again from this {variant.Of}. Nothing was published.")
    {
        Variant = variant;
        ActualSha256 = actualSha256;
    }

    /// <summary>The variant refused.</summary>
    public FileVariant Variant { get; }

    /// <summary>The SHA-256 of the file it claims to be a variant of.</summary>
    public string ActualSha256 { get; }
}
