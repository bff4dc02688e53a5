namespace Pipeline.Inference.Batching;

/// <summary>How <see cref="DynamicBatcher"/> forms batches and how much it lets wait.</summary>
/// <param name="MaxBatchSize">Most images in one model run; also the most one request may hold.</param>
/// <param name="MaxWait">
/// How long a batch that is not full waits for more requests after its first one. Zero runs whatever is queued as soon
/// as the model is free, which under load still batches (requests queue while the previous batch runs).
/// </param>
/// <param name="QueueCapacity">Most images waiting; a request that would pass it is refused at once.</param>
public sealed record BatchPolicy(int MaxBatchSize = 32, TimeSpan MaxWait = default, int QueueCapacity = 1024)
{
    /// <summary>Throws when a field is unusable, saying which.</summary>
    public void Validate()
    {
        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "The largest batch must hold at least one image.");
        }
        if (MaxWait < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWait), MaxWait, "The batch wait cannot be negative.");
        }
        if (QueueCapacity < MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity,
                $"The queue must hold at least one full batch ({MaxBatchSize} images).");
        }
    }
}
