namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// A lowered peak learning rate from a step on: what a run resumed with a smaller learning rate records, so that its
/// schedule can be computed again and its history read.
/// </summary>
/// <param name="Step">The first step (zero-based: the steps already done when it was made) the new peak applies to.</param>
/// <param name="LearningRate">The new peak, reached where the warm-up ends and decayed by the same cosine.</param>
public sealed record LearningRateChange(long Step, double LearningRate)
{
    /// <summary>The peak in force at <paramref name="step"/>: the last change made at or before it, else <paramref name="initial"/>.</summary>
    /// <param name="changes">Changes ordered by step.</param>
    /// <param name="initial">The peak the run started with.</param>
    /// <param name="step">A zero-based step.</param>
    public static double PeakAt(IReadOnlyList<LearningRateChange> changes, double initial, long step)
    {
        ArgumentNullException.ThrowIfNull(changes);
        double peak = initial;
        foreach (LearningRateChange change in changes)
        {
            if (change.Step > step)
            {
                break;
            }
            peak = change.LearningRate;
        }
        return peak;
    }
}
