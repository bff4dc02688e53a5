namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Linear warm-up from 0 to the base learning rate, then cosine decay to 0 without restarts (Loshchilov and Hutter
/// 2017), the schedule SimCLR trains with (Chen et al. 2020, section 2.2). A run resumed with a lower learning rate
/// keeps the schedule's shape and scales it by the new peak from the step of the change on.
/// </summary>
public sealed class WarmupCosineSchedule
{
    private readonly IReadOnlyList<LearningRateChange> _peakChanges;

    /// <param name="baseLearningRate">The peak learning rate, reached at the end of warm-up.</param>
    /// <param name="warmupSteps">Steps of linear warm-up; 0 starts at the peak.</param>
    /// <param name="totalSteps">All steps of the run, warm-up included.</param>
    /// <param name="peakChanges">The peaks that replace <paramref name="baseLearningRate"/> from their steps on, ordered by step.</param>
    public WarmupCosineSchedule(double baseLearningRate, long warmupSteps, long totalSteps, IReadOnlyList<LearningRateChange>? peakChanges = null)
    {
        RequirePositive(baseLearningRate, nameof(baseLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        if (warmupSteps < 0 || warmupSteps > totalSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps,
                $"Warm-up must last between 0 and all {totalSteps} steps, not {warmupSteps}.");
        }
        peakChanges ??= [];
        for (int i = 0; i < peakChanges.Count; i++)
        {
            RequirePositive(peakChanges[i].LearningRate, nameof(peakChanges));
            if (peakChanges[i].Step < 0 || (i > 0 && peakChanges[i].Step <= peakChanges[i - 1].Step))
            {
                throw new ArgumentOutOfRangeException(nameof(peakChanges), peakChanges[i].Step,
                    $"Learning-rate changes must be at steps from 0 on, in increasing order: {string.Join(", ", peakChanges)}.");
            }
        }
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        _peakChanges = peakChanges;
    }

    public double BaseLearningRate { get; }

    public long WarmupSteps { get; }

    public long TotalSteps { get; }

    /// <summary>The learning rate for the step with zero-based index <paramref name="step"/>.</summary>
    public double LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        double peak = LearningRateChange.PeakAt(_peakChanges, BaseLearningRate, step);
        if (step < WarmupSteps)
        {
            return peak * (step + 1) / WarmupSteps;
        }
        long decaySteps = TotalSteps - WarmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    private static void RequirePositive(double learningRate, string name)
    {
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(name, learningRate, $"The learning rate must be positive and finite, not {learningRate}.");
        }
    }
}
