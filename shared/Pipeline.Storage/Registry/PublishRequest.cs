namespace Pipeline.Storage.Registry;

/// <summary>What <see cref="ModelRegistry.PublishAsync"/> publishes as a new version of a model.</summary>
public sealed record PublishRequest
{
    public required string Name { get; init; }

    /// <summary>The version's files; at least one, paths unique.</summary>
    public required IReadOnlyList<PublishFile> Files { get; init; }

    /// <summary>Evaluation figures, finite numbers, such as <c>knn-100%</c> → 0.75.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public required ModelLineage Lineage { get; init; }

    /// <summary>
    /// Which of <see cref="Files"/> are precision variants of others; each must have been made from the very file it is
    /// a variant of (its <see cref="FileVariant.SourceSha256"/>), or nothing is published.
    /// </summary>
    public IReadOnlyList<FileVariant> Variants { get; init; } = [];

    /// <summary>Aliases moved to the new version once it exists, unless they already name a newer one (default: latest).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [ModelNames.Latest];

    /// <summary>
    /// What makes the publish retryable (a caller that retries a failed publish passes the same id again): a publish with
    /// the id of an earlier one resumes the version that one claimed, and returns it as it is once its manifest exists
    /// (moving the aliases), instead of publishing a second version. Null: a fresh id, and a retry after a failure that
    /// came once the manifest was written (as the aliases moved) publishes the files again as the next version.
    /// </summary>
    public string? PublishId { get; init; }
}
