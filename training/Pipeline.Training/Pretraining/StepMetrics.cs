using System.Text.Json.Serialization;

namespace Pipeline.Training.Pretraining;

/// <summary>One line of <c>metrics.jsonl</c>: what one optimisation step did.</summary>
/// <param name="Step">Steps done, counting from 1.</param>
/// <param name="Epoch">The epoch the step belongs to, counting from 1.</param>
/// <param name="Loss">The batch loss before the update.</param>
/// <param name="LearningRate">The learning rate the update used.</param>
/// <param name="ImagesPerSecond">Images per second over the recent steps (each image counted once, not per view).</param>
/// <param name="ElapsedSeconds">Wall time since this process started training.</param>
/// <param name="Terms">
/// The parts of the loss the method logs beside it, by name (vae: <c>reconstruction</c> and <c>kl</c> in nats per image;
/// rotation: <c>accuracy</c>); absent from the line when the method has none.
/// </param>
public sealed record StepMetrics(
    long Step,
    int Epoch,
    double Loss,
    double LearningRate,
    double ImagesPerSecond,
    double ElapsedSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double>? Terms = null);
