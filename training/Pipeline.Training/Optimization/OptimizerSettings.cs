using System.Text.Json.Serialization;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Training.Optimization;

/// <summary>
/// The optimizer and its schedule for one run, with the defaults each optimizer is known to work with.
/// </summary>
/// <param name="Kind">Which optimizer.</param>
/// <param name="LearningRate">Peak learning rate, reached after warm-up.</param>
/// <param name="Momentum">Momentum for SGD and LARS; β1 for AdamW.</param>
/// <param name="WeightDecay">Applied to weights, never to biases or batch-norm parameters.</param>
/// <param name="WarmupSteps">Steps of linear warm-up before the cosine decay.</param>
public sealed record OptimizerSettings(
    [property: JsonConverter(typeof(OptimizerKindJsonConverter))] OptimizerKind Kind, double LearningRate, double Momentum, double WeightDecay, long WarmupSteps)
{
    /// <summary>
    /// Lower peaks from a step on, ordered by step: how a run resumed with a smaller learning rate (after it diverged,
    /// say) trained from then on. Empty for a run that kept its learning rate.
    /// </summary>
    public IReadOnlyList<LearningRateChange> LearningRateChanges { get; init; } = [];

    /// <summary>Equal settings: every parameter, and the same learning-rate changes in the same order.</summary>
    public bool Equals(OptimizerSettings? other) =>
        other is not null && (Kind, LearningRate, Momentum, WeightDecay, WarmupSteps) == (other.Kind, other.LearningRate, other.Momentum, other.WeightDecay, other.WarmupSteps)
        && LearningRateChanges.SequenceEqual(other.LearningRateChanges);

    public override int GetHashCode() => HashCode.Combine(Kind, LearningRate, Momentum, WeightDecay, WarmupSteps, LearningRateChanges.Count);

    /// <summary>The peak learning rate in force at the zero-based <paramref name="step"/>.</summary>
    public double PeakLearningRateAt(long step) => LearningRateChange.PeakAt(LearningRateChanges, LearningRate, step);

    /// <summary>The learning rate of every step of a run of <paramref name="totalSteps"/> steps.</summary>
    public WarmupCosineSchedule Schedule(long totalSteps) => new(LearningRate, WarmupSteps, totalSteps, LearningRateChanges);

    /// <summary>
    /// The peak learning rate when none is given: SGD 0.06·B/128 (lightly's SimCLR benchmarks on CIFAR-10), LARS
    /// 0.3·B/256 (SimCLR, Appendix B.1), AdamW 1e-3 (Kingma and Ba 2015).
    /// </summary>
    public static double DefaultLearningRate(OptimizerKind kind, int batchSize) => kind switch
    {
        OptimizerKind.Sgd => 0.06 * batchSize / 128,
        OptimizerKind.Lars => 0.3 * batchSize / 256,
        OptimizerKind.AdamW => 1e-3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The weight decay when none is given: SGD 5e-4 (lightly's benchmarks), LARS and AdamW 1e-6 (SimCLR).</summary>
    public static double DefaultWeightDecay(OptimizerKind kind) => kind == OptimizerKind.Sgd ? 5e-4 : 1e-6;

    /// <summary>
    /// Warm-up when none is given: SimCLR warms up for 10 of its 100+ epochs, so a tenth of the run, at most 10 epochs.
    /// </summary>
    public static long DefaultWarmupSteps(long totalSteps, long stepsPerEpoch) => Math.Min(totalSteps / 10, 10 * stepsPerEpoch);

    /// <summary>A new optimizer over the parameters.</summary>
    public PretrainingOptimizer Create(IReadOnlyList<OptimizedParameter> parameters) => Kind switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(parameters, Momentum, WeightDecay),
        OptimizerKind.AdamW => new AdamWOptimizer(parameters, Momentum, beta2: 0.999, epsilon: 1e-8, WeightDecay),
        OptimizerKind.Lars => new LarsOptimizer(parameters, Momentum, WeightDecay, trustCoefficient: 1e-3),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };
}
