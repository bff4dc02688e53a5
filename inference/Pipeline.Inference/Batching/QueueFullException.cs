namespace Pipeline.Inference.Batching;

/// <summary>Thrown when <see cref="DynamicBatcher"/>'s queue has no room for a request: the caller should retry later.</summary>
public sealed class QueueFullException : Exception
{
    public QueueFullException(int queued, int requested, int capacity)
        : base($"The queue holds {queued} of {capacity} images and has no room for {requested} more: retry shortly.")
    {
        Queued = queued;
        Capacity = capacity;
    }

    /// <summary>Images waiting when the request was refused.</summary>
    public int Queued { get; }

    /// <summary>Most images the queue holds.</summary>
    public int Capacity { get; }
}
