using Azure;
using Polly;
using Polly.CircuitBreaker;

namespace Pipeline.Storage.Tests;

public sealed class ArtifactStoreResilienceTests
{
    private static readonly ArtifactStoreResilienceOptions Fast = new()
    {
        MaxRetryAttempts = 5,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        BreakerMinimumThroughput = 3,
        BreakDuration = TimeSpan.FromMinutes(1),
    };

    public static TheoryData<Exception, bool> Failures => new()
    {
        { new RequestFailedException(0, "connection refused"), true },
        { new RequestFailedException(408, "timeout"), true },
        { new RequestFailedException(429, "throttled"), true },
        { new RequestFailedException(500, "error"), true },
        { new RequestFailedException(503, "busy"), true },
        { new RequestFailedException(400, "blocks lost by a restart", "InvalidBlockList", null), true },
        { new RequestFailedException(400, "bad request", "InvalidHeaderValue", null), false },
        { new RequestFailedException(403, "forbidden"), false },
        { new RequestFailedException(404, "missing", "BlobNotFound", null), false },
        { new RequestFailedException(409, "exists", "BlobAlreadyExists", null), false },
        { new RequestFailedException(412, "changed", "ConditionNotMet", null), false },
        { new IOException("broken pipe"), true },
        { new HttpRequestException("reset"), true },
        { new FileNotFoundException("gone"), false },
        { new ArgumentException("bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void OnlyTransientFailures_AreRetried(Exception failure, bool transient)
    {
        Assert.Equal(transient, ArtifactStoreResilience.IsTransient(failure));
    }

    [Fact]
    public void ACancellationTheCallerAskedFor_IsNotTransient_TheHttpClientsOwnTimeoutIs()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(ArtifactStoreResilience.IsTransient(new OperationCanceledException(), cancelled.Token));
        Assert.True(ArtifactStoreResilience.IsTransient(new TaskCanceledException(), CancellationToken.None));
    }

    [Fact]
    public async Task ATransientFailure_IsRetriedUntilItPasses()
    {
        ResiliencePipeline pipeline = ArtifactStoreResilience.Create(Fast);
        int attempts = 0;

        int result = await pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new RequestFailedException(503, "busy") : ValueTask.FromResult(42));

        Assert.Equal(42, result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task APermanentFailure_IsNotRetried()
    {
        ResiliencePipeline pipeline = ArtifactStoreResilience.Create(Fast);
        int attempts = 0;

        await Assert.ThrowsAsync<RequestFailedException>(async () =>
            await pipeline.ExecuteAsync<int>(_ => { attempts++; throw new RequestFailedException(412, "changed"); }));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task AStoreThatKeepsFailing_OpensTheCircuit_AndLaterAttemptsDoNotReachIt()
    {
        ResiliencePipeline pipeline = ArtifactStoreResilience.Create(Fast);
        int attempts = 0;

        await Assert.ThrowsAsync<BrokenCircuitException>(async () =>
            await pipeline.ExecuteAsync<int>(_ => { attempts++; throw new RequestFailedException(503, "busy"); }));

        Assert.Equal(Fast.BreakerMinimumThroughput, attempts); // the other retries met the open circuit
    }

    [Fact]
    public void OutOfRangeOptions_AreRefusedByName()
    {
        var refused = Assert.Throws<ArgumentException>(() => ArtifactStoreResilience.Create(Fast with { BaseDelay = TimeSpan.Zero }));

        Assert.Contains("BaseDelay", refused.Message);
    }
}
