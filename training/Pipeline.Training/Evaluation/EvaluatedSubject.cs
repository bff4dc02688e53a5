namespace Pipeline.Training.Evaluation;

/// <summary>What produced the features an evaluation scores, as <see cref="EvaluationResult"/> records it.</summary>
/// <param name="Checkpoint">The checkpoint whose encoder embedded the images; null for a baseline without one.</param>
/// <param name="Step">Its training step (0 for a baseline).</param>
/// <param name="Method">The pretraining method, or the baseline's name (<see cref="PixelBaseline.Name"/>).</param>
/// <param name="Encoder">The encoder architecture, or <c>none</c>.</param>
public sealed record EvaluatedSubject(string? Checkpoint, long Step, string Method, string Encoder);
