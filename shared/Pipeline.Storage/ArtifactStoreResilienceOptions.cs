namespace Pipeline.Storage;

/// <summary>
/// How a store rides out transient failures (<see cref="ArtifactStoreResilience"/>): retries with exponential backoff
/// and jitter, a timeout per attempt, and a circuit breaker. The defaults outlast a store that is down for about a minute
/// (delays 0.5, 1, 2, 4, 8, 16, 20, 20 s); tests shorten them.
/// </summary>
public sealed record ArtifactStoreResilienceOptions
{
    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetryAttempts { get; init; } = 8;

    /// <summary>The first retry's delay; each next one doubles, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long one attempt (a whole upload or download) may take before it is abandoned and retried; generous, since a
    /// model may be large: a stalled connection is caught sooner by the HTTP client's own network timeout.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The share of failed attempts, within <see cref="BreakerSamplingDuration"/>, that opens the circuit.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts needed within the sampling window before the breaker judges.</summary>
    public int BreakerMinimumThroughput { get; init; } = 8;

    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails attempts at once, without touching the store, before it lets one through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        if (MaxRetryAttempts < 0)
        {
            throw new ArgumentException($"{nameof(MaxRetryAttempts)} must be 0 or more, not {MaxRetryAttempts}.");
        }
        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"Need 0 < {nameof(BaseDelay)} ({BaseDelay}) <= {nameof(MaxDelay)} ({MaxDelay}).");
        }
        if (AttemptTimeout <= TimeSpan.Zero || BreakerSamplingDuration <= TimeSpan.Zero || BreakDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"{nameof(AttemptTimeout)}, {nameof(BreakerSamplingDuration)} and {nameof(BreakDuration)} must be positive.");
        }
        if (!(BreakerFailureRatio is > 0 and <= 1) || BreakerMinimumThroughput < 2)
        {
            throw new ArgumentException(
                $"Need 0 < {nameof(BreakerFailureRatio)} <= 1 (not {BreakerFailureRatio}) and {nameof(BreakerMinimumThroughput)} >= 2 (not {BreakerMinimumThroughput}).");
        }
    }
}
