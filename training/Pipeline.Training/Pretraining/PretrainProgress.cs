namespace Pipeline.Training.Pretraining;

/// <summary>Where a running pretraining stands after a step, for progress bars.</summary>
/// <param name="Metrics">What the step did.</param>
/// <param name="TotalSteps">All steps of the run.</param>
/// <param name="Remaining">Estimated time to the end, from the recent speed.</param>
public sealed record PretrainProgress(StepMetrics Metrics, long TotalSteps, TimeSpan Remaining);
