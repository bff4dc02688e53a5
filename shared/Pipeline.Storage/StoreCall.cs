using Azure;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Pipeline.Storage;

/// <summary>
/// Runs one store operation through its resilience pipeline and turns what is left of a failure, once retries are
/// spent, into an <see cref="ArtifactStoreException"/> that names the store, the operation and the key.
/// </summary>
internal static class StoreCall
{
    /// <summary>
    /// Runs <paramref name="attempt"/> through <paramref name="pipeline"/>; <paramref name="translate"/> is the store's own
    /// mapping of a final failure (such as HTTP 404 → not found), returning null to leave it to the generic one.
    /// </summary>
    public static async Task<T> RunAsync<T>(ResiliencePipeline pipeline, string location, string operation, string key,
        Func<CancellationToken, ValueTask<T>> attempt, Func<Exception, ArtifactStoreException?> translate, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not ArtifactStoreException && IsStoreFailure(error, cancellationToken))
        {
            throw translate(error)
                ?? new ArtifactStoreException($"{location}: could not {operation} '{key}': {Describe(error)}.", error);
        }
    }

    private static bool IsStoreFailure(Exception error, CancellationToken cancellationToken) =>
        error is RequestFailedException or IOException or UnauthorizedAccessException or ExecutionRejectedException
            or Azure.Identity.AuthenticationFailedException or HttpRequestException or AggregateException
        || ArtifactStoreResilience.IsTransient(error, cancellationToken);

    private static string Describe(Exception error) => error switch
    {
        RequestFailedException { Status: 0 } => "the store did not answer (connection refused or broken) after every retry",
        RequestFailedException failed => $"HTTP {failed.Status} {failed.ErrorCode}",
        BrokenCircuitException => "the store kept failing, so calls to it are paused (circuit open); try again shortly",
        TimeoutRejectedException timeout => $"an attempt took longer than {timeout.Timeout} and every retry failed too",
        Azure.Identity.AuthenticationFailedException => "no Azure credential worked: sign in (az login, a managed identity, "
            + "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET) or use azblob://CONTAINER with AZURE_STORAGE_CONNECTION_STRING",
        AggregateException aggregate => string.Join("; ", aggregate.InnerExceptions.Select(Describe).Distinct()),
        _ => FirstLine(error.Message),
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r', '.');
}
