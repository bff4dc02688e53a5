namespace Pipeline.Storage;

/// <summary>How a store transfers, lists and retries; one record for every store (a folder ignores the sizes).</summary>
public sealed record ArtifactStoreOptions
{
    /// <summary>The largest page Azure Blob Storage lists.</summary>
    public const int MaxListPageSize = 5000;

    public ArtifactStoreResilienceOptions Resilience { get; init; } = new();

    /// <summary>
    /// Blobs up to this size go up in one request; larger ones in blocks of this size, and downloads in ranges of it.
    /// </summary>
    public int TransferChunkBytes { get; init; } = 8 << 20;

    /// <summary>Blocks or ranges in flight at once for one blob.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>The most blobs one page of a listing asks a container for (Azure's own limit, 5,000, by default).</summary>
    public int ListPageSize { get; init; } = MaxListPageSize;

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Resilience);
        Resilience.Validate();
        if (TransferChunkBytes < 64 << 10 || MaxConcurrency < 1)
        {
            throw new ArgumentException(
                $"Need {nameof(TransferChunkBytes)} >= 64 KiB (not {TransferChunkBytes}) and {nameof(MaxConcurrency)} >= 1 (not {MaxConcurrency}).");
        }
        if (ListPageSize is < 1 or > MaxListPageSize)
        {
            throw new ArgumentException($"{nameof(ListPageSize)} is {ListPageSize}: a page lists from 1 to {MaxListPageSize} blobs.");
        }
    }
}
