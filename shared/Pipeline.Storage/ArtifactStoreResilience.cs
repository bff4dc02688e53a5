using Azure;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.Storage;

/// <summary>
/// The resilience pipeline every store call runs through, built once per store from
/// <see cref="ArtifactStoreResilienceOptions"/>: retry (outermost) → circuit breaker → timeout per attempt.
/// </summary>
/// <remarks>
/// The breaker sits inside the retry so that it counts attempts, not whole operations: a store that keeps failing
/// opens it, and the retries that follow fail at once without touching the store until the break ends, then try again.
/// Only transient failures are retried (<see cref="IsTransient"/>); a missing blob, a refused condition or bad
/// credentials fail at once.
/// </remarks>
public static class ArtifactStoreResilience
{
    /// <summary>Azure's answer when a block list names blocks the service no longer has (Azurite loses staged blocks when it restarts).</summary>
    private const string InvalidBlockList = "InvalidBlockList";

    /// <summary>Builds the pipeline; validates the options first.</summary>
    public static ResiliencePipeline Create(ArtifactStoreResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error
                    && (error is BrokenCircuitException || IsTransient(error, args.Context.CancellationToken))),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && IsTransient(error, args.Context.CancellationToken)),
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakDuration,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Whether another attempt may succeed where this one failed: the service unreachable or overloaded (HTTP status 0,
    /// 408, 429, 500, 502, 503, 504), a block list lost by a restart, a broken connection or I/O error, an attempt that
    /// timed out. Never 404, 409, 412 or other client errors, and never a cancellation the caller asked for.
    /// </summary>
    public static bool IsTransient(Exception error, CancellationToken callerToken = default) => error switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504 || failed.ErrorCode == InvalidBlockList,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(inner => IsTransient(inner, callerToken)),
        TimeoutRejectedException or HttpRequestException or TimeoutException => true,
        FileNotFoundException or DirectoryNotFoundException or PathTooLongException => false,
        IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested, // the HTTP client's own network timeout
        _ => false,
    };
}
