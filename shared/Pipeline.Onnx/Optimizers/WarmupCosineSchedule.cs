namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Linear warm-up from 0 to the base learning rate, then cosine decay to 0 without restarts (Loshchilov and Hutter
/// 2017), the schedule SimCLR trains with (Chen et al. 2020, section 2.2).
/// </summary>
public sealed class WarmupCosineSchedule
{
    /// <param name="baseLearningRate">The peak learning rate, reached at the end of warm-up.</param>
    /// <param name="warmupSteps">Steps of linear warm-up; 0 starts at the peak.</param>
    /// <param name="totalSteps">All steps of the run, warm-up included.</param>
    public WarmupCosineSchedule(double baseLearningRate, long warmupSteps, long totalSteps)
    {
        if (!(baseLearningRate > 0) || double.IsInfinity(baseLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate,
                $"The learning rate must be positive and finite, not {baseLearningRate}.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        if (warmupSteps < 0 || warmupSteps > totalSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps,
                $"Warm-up must last between 0 and all {totalSteps} steps, not {warmupSteps}.");
        }
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    public double BaseLearningRate { get; }

    public long WarmupSteps { get; }

    public long TotalSteps { get; }

    /// <summary>The learning rate for the step with zero-based index <paramref name="step"/>.</summary>
    public double LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return BaseLearningRate * (step + 1) / WarmupSteps;
        }
        long decaySteps = TotalSteps - WarmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return BaseLearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
