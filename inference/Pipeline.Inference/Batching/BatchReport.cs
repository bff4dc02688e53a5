namespace Pipeline.Inference.Batching;

/// <summary>What one model run of <see cref="DynamicBatcher"/> did, for metrics.</summary>
/// <param name="Images">Images embedded in the run.</param>
/// <param name="Requests">Requests the images came from.</param>
/// <param name="QueueTimes">Per request, from entering the queue to the run's start.</param>
/// <param name="InferenceTime">How long the model run took.</param>
/// <param name="Error">Why the run failed (every request in it failed with it), or null.</param>
public sealed record BatchReport(int Images, int Requests, IReadOnlyList<TimeSpan> QueueTimes, TimeSpan InferenceTime, Exception? Error);
