using Pipeline.Cli;

namespace Pipeline.Inference.Cli;

/// <summary>
/// One of <see cref="Count"/> contiguous slices of an ordered list: how the workers of an indexed job split an image set
/// so that every image is embedded exactly once and the parts, in index order, are the whole set in order.
/// </summary>
public readonly record struct Shard
{
    public Shard(int index, int count)
    {
        if (count < 1)
        {
            throw new UsageException($"--shard-count must be at least 1, not {count}.");
        }
        if (index < 0 || index >= count)
        {
            throw new UsageException($"--shard-index must be between 0 and --shard-count − 1 ({count - 1}), not {index}.");
        }
        Index = index;
        Count = count;
    }

    /// <summary>The whole list, as one shard.</summary>
    public static Shard All => new(0, 1);

    public int Index { get; }

    public int Count { get; }

    /// <summary>This shard's items: [Index·N/Count, (Index+1)·N/Count), sizes differing by at most one.</summary>
    public IReadOnlyList<T> Slice<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        int start = (int)((long)Index * items.Count / Count);
        int end = (int)((long)(Index + 1) * items.Count / Count);
        return items.Skip(start).Take(end - start).ToArray();
    }

    public override string ToString() => $"shard {Index} of {Count}";
}
