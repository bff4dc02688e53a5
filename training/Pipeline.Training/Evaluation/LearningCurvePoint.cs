namespace Pipeline.Training.Evaluation;

/// <summary>One checkpoint on a run's <see cref="LearningCurve"/>.</summary>
/// <param name="Step">The checkpoint's training step.</param>
/// <param name="Epoch">The epoch that step belongs to (1-based: a checkpoint at the end of the first epoch is on epoch 1).</param>
/// <param name="TrainingSeconds">Wall time of the training loop up to that step, from metrics.jsonl.</param>
/// <param name="Results">Its kNN and linear-probe accuracies.</param>
public sealed record LearningCurvePoint(long Step, int Epoch, double TrainingSeconds, IReadOnlyList<EvaluationResult> Results);
