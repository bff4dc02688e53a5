using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Pipeline.Errors;
using Polly;

namespace Pipeline.Storage;

/// <summary>
/// An <see cref="IArtifactStore"/> in an Azure Blob Storage container (or Azurite): each key is a block blob of the same
/// name. Create-only writes send <c>If-None-Match: *</c>, conditional ones <c>If-Match: ETAG</c>; the service checks
/// them when the blob is committed, so they are race-free across machines.
/// </summary>
/// <remarks>
/// Large blobs go up in blocks (<see cref="ArtifactStoreOptions.TransferChunkBytes"/>) and come down in parallel
/// ranges pinned to the first range's ETag. The SDK's own retries are off: the store's Polly pipeline is the one retry
/// layer, and its unit is the whole upload, because blocks staged before a service restart can be lost and the commit
/// then fails (<c>InvalidBlockList</c>). Listings come a page (<see cref="ArtifactStoreOptions.ListPageSize"/> blobs)
/// at a time, each page retried on its own from its continuation token. The container is created on the first write
/// if it does not exist; reading a missing container reads as empty.
/// </remarks>
public sealed class AzureBlobArtifactStore : IArtifactStore
{
    private const string ContainerNotFound = "ContainerNotFound";

    private readonly BlobContainerClient _container;
    private readonly ResiliencePipeline _pipeline;
    private readonly StorageTransferOptions _transfer;
    private readonly int _listPageSize;

    /// <param name="container">The container; its client must not retry on its own (see <see cref="ClientOptions"/>).</param>
    /// <param name="location">How the store is named in messages; never a secret.</param>
    /// <param name="options">Transfer sizes and retries (default: <see cref="ArtifactStoreOptions"/>' defaults).</param>
    public AzureBlobArtifactStore(BlobContainerClient container, string location, ArtifactStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentException.ThrowIfNullOrEmpty(location);
        options ??= new ArtifactStoreOptions();
        options.Validate();
        _container = container;
        Location = location;
        _pipeline = ArtifactStoreResilience.Create(options.Resilience);
        _transfer = new StorageTransferOptions
        {
            InitialTransferSize = options.TransferChunkBytes,
            MaximumTransferSize = options.TransferChunkBytes,
            MaximumConcurrency = options.MaxConcurrency,
        };
        _listPageSize = options.ListPageSize;
    }

    public string Location { get; }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>Client options for a container this store uses: no SDK retries (the store retries whole operations).</summary>
    public static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        return options;
    }

    public Task<ArtifactProperties> PutAsync(string key, Stream content, ArtifactCondition condition, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        ArgumentNullException.ThrowIfNull(condition);
        long start = ArtifactFiles.RetryStart(content, nameof(content));
        BlobClient blob = _container.GetBlobClient(key);
        var upload = new BlobUploadOptions { Conditions = Conditions(condition), TransferOptions = _transfer };
        return RunAsync("write", key, condition, async token =>
        {
            content.Position = start;
            Response<BlobContentInfo> response;
            try
            {
                response = await blob.UploadAsync(content, upload, token).ConfigureAwait(false);
            }
            catch (RequestFailedException error) when (error.ErrorCode == ContainerNotFound)
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: token).ConfigureAwait(false);
                content.Position = start;
                response = await blob.UploadAsync(content, upload, token).ConfigureAwait(false);
            }
            return new ArtifactProperties(key, content.Position - start, Quoted(response.Value.ETag), response.Value.LastModified);
        }, cancellationToken);
    }

    public Task<ArtifactProperties> GetAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        long start = ArtifactFiles.RetryStart(destination, nameof(destination));
        BlobClient blob = _container.GetBlobClient(key);
        return RunAsync("read", key, null, async token =>
        {
            ArtifactFiles.Rewind(destination, start);
            Response response = await blob.DownloadToAsync(destination, new BlobDownloadToOptions { TransferOptions = _transfer }, token).ConfigureAwait(false);
            string etag = response.Headers.ETag is { } tag
                ? Quoted(tag)
                : throw new RequestFailedException(0, $"The download of '{key}' came back without an ETag.");
            DateTimeOffset lastModified = response.Headers.TryGetValue("Last-Modified", out string? text)
                ? DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : DateTimeOffset.MinValue;
            return new ArtifactProperties(key, destination.Position - start, etag, lastModified);
        }, cancellationToken);
    }

    public Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        BlobClient blob = _container.GetBlobClient(key);
        return RunAsync<ArtifactProperties?>("read the properties of", key, null, async token =>
        {
            try
            {
                BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: token).ConfigureAwait(false)).Value;
                return new ArtifactProperties(key, properties.ContentLength, Quoted(properties.ETag), properties.LastModified);
            }
            catch (RequestFailedException error) when (error.Status == 404)
            {
                return null;
            }
        }, cancellationToken);
    }

    public IAsyncEnumerable<ArtifactProperties> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArtifactKey.ValidatePrefix(prefix);
        return ListPagesAsync(prefix, cancellationToken);
    }

    // The service lists in key order; each page is one request, retried on its own from its continuation token.
    private async IAsyncEnumerable<ArtifactProperties> ListPagesAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            Page<BlobItem>? page = await RunAsync("list", prefix, null, token => ReadPageAsync(prefix, continuation, token), cancellationToken)
                .ConfigureAwait(false);
            if (page is null)
            {
                yield break;
            }
            foreach (BlobItem item in page.Values)
            {
                yield return new ArtifactProperties(item.Name, item.Properties.ContentLength ?? 0,
                    item.Properties.ETag is { } tag ? Quoted(tag) : "", item.Properties.LastModified ?? DateTimeOffset.MinValue);
            }
            continuation = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    // One page of the listing, from where the continuation token left off; null when the container does not exist.
    private async ValueTask<Page<BlobItem>?> ReadPageAsync(string prefix, string? continuation, CancellationToken cancellationToken)
    {
        IAsyncEnumerable<Page<BlobItem>> pages = _container
            .GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length == 0 ? null : prefix, cancellationToken)
            .AsPages(continuation, _listPageSize);
        try
        {
            await foreach (Page<BlobItem> page in pages.ConfigureAwait(false))
            {
                return page;
            }
        }
        catch (RequestFailedException error) when (error.ErrorCode == ContainerNotFound)
        {
        }
        return null;
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        BlobClient blob = _container.GetBlobClient(key);
        return RunAsync("delete", key, null, async token =>
        {
            try
            {
                return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: token).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException error) when (error.ErrorCode == ContainerNotFound)
            {
                return false;
            }
        }, cancellationToken);
    }

    public async Task<IArtifactLease?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken = default)
    {
        ArtifactKey.Validate(key);
        // A blob lease needs a blob: an empty one, written only if none is there.
        try
        {
            await PutAsync(key, new MemoryStream(), ArtifactCondition.IfAbsent, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactConflictException)
        {
        }
        BlobLeaseClient lease = _container.GetBlobClient(key).GetBlobLeaseClient();
        try
        {
            await RunAsync("lease", key, null, async token => (await lease.AcquireAsync(AzureBlobLease.Duration, cancellationToken: token).ConfigureAwait(false)).Value,
                cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactStoreException error) when (error.InnerException is RequestFailedException { Status: 409 })
        {
            return null; // LeaseAlreadyPresent
        }
        return new AzureBlobLease(key, lease, attempt => RunAsync("renew the lease on", key, null, attempt, CancellationToken.None));
    }

    public override string ToString() => Location;

    // The SDK hands ETags back quoted from some calls and bare from others; callers compare them as strings.
    private static string Quoted(ETag etag) => "\"" + etag.ToString().Trim('"') + "\"";

    private static BlobRequestConditions? Conditions(ArtifactCondition condition) =>
        condition.MustBeAbsent ? new BlobRequestConditions { IfNoneMatch = ETag.All }
        : condition.ETag is { } etag ? new BlobRequestConditions { IfMatch = new ETag(etag) }
        : null;

    private Task<T> RunAsync<T>(string operation, string key, ArtifactCondition? condition, Func<CancellationToken, ValueTask<T>> attempt,
        CancellationToken cancellationToken) =>
        StoreCall.RunAsync(_pipeline, Location, operation, key, attempt, error => error switch
        {
            // A conditional write that lost: 409 when If-None-Match: * found a blob, 412 (or 404) when If-Match found another version or none.
            RequestFailedException { Status: 409 or 412 or 404 } when condition is { MustBeAbsent: true } || condition?.ETag is not null =>
                new ArtifactConflictException(Location, key, condition!, error),
            RequestFailedException { Status: 404 } => new ArtifactNotFoundException(Location, key, error),
            RequestFailedException { Status: 401 or 403 } failed => new ArtifactStoreException(
                $"{Location}: could not {operation} '{key}': HTTP {failed.Status} {failed.ErrorCode}: the credential is not allowed to; "
                + "check the connection string, or give the signed-in identity the Storage Blob Data Contributor role on the container.", error),
            _ => null,
        }, cancellationToken);

    /// <summary>A store for <c>azblob://CONTAINER</c>, from a storage connection string (kept out of every message).</summary>
    /// <exception cref="InvalidSettingException">The connection string is malformed; the message does not repeat it.</exception>
    public static AzureBlobArtifactStore FromConnectionString(string connectionString, string container, ArtifactStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        BlobContainerClient client;
        try
        {
            client = new BlobContainerClient(connectionString, container, ClientOptions());
        }
        catch (Exception error) when (error is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's message may quote part of the string: say what is wrong without it.
            throw new InvalidSettingException(
                $"${ArtifactStoreUri.ConnectionStringVariable} is not a storage connection string (its value is not shown). It should read "
                + "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net, or, for Azurite, "
                + "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=…;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;");
        }
        return new AzureBlobArtifactStore(client, $"azblob://{container}", options);
    }

    /// <summary>A store for <c>https://ACCOUNT.blob.core.windows.net/CONTAINER</c>, authenticated with <paramref name="credential"/>.</summary>
    public static AzureBlobArtifactStore FromContainerUri(Uri containerUri, TokenCredential credential, ArtifactStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(containerUri);
        ArgumentNullException.ThrowIfNull(credential);
        return new AzureBlobArtifactStore(new BlobContainerClient(containerUri, credential, ClientOptions()), containerUri.ToString(), options);
    }
}
