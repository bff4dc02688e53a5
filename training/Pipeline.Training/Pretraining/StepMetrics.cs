namespace Pipeline.Training.Pretraining;

/// <summary>One line of <c>metrics.jsonl</c>: what one optimisation step did.</summary>
/// <param name="Step">Steps done, counting from 1.</param>
/// <param name="Epoch">The epoch the step belongs to, counting from 1.</param>
/// <param name="Loss">The batch loss before the update.</param>
/// <param name="LearningRate">The learning rate the update used.</param>
/// <param name="ImagesPerSecond">Images per second over the recent steps (each image counted once, not per view).</param>
/// <param name="ElapsedSeconds">Wall time since this process started training.</param>
public sealed record StepMetrics(long Step, int Epoch, double Loss, double LearningRate, double ImagesPerSecond, double ElapsedSeconds);
