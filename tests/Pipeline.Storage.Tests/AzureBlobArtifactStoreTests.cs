using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Pipeline.Errors;

namespace Pipeline.Storage.Tests;

public sealed class AzureBlobArtifactStoreTests(AzuriteServer azurite) : ArtifactStoreContractTests, IClassFixture<AzuriteServer>
{
    private readonly string _container = AzuriteServer.NewContainerName();

    protected override IArtifactStore NewStore() => azurite.NewStore(_container);

    [Fact]
    public async Task AMissingContainer_ReadsAsEmpty_AndIsCreatedByTheFirstWrite()
    {
        IArtifactStore store = NewStore();

        Assert.Empty(await store.ListAsync("").ToListAsync());
        Assert.Null(await store.GetPropertiesAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        await store.PutAsync("k", new MemoryStream("1"u8.ToArray()), ArtifactCondition.IfAbsent);
        Assert.Single(await store.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task List_ReadsAPageAtATime_AndRetriesAFailedPageAlone()
    {
        var requests = new ListRequests(failing: 2);
        BlobClientOptions client = AzureBlobArtifactStore.ClientOptions();
        client.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        var store = new AzureBlobArtifactStore(new BlobContainerClient(azurite.ConnectionString, _container, client), "azblob://paging",
            AzuriteProcess.FastRetries with { ListPageSize = 2 });
        string[] keys = ["k1", "k2", "k3", "k4", "k5"];
        foreach (string key in keys)
        {
            await store.PutAsync(key, new MemoryStream("."u8.ToArray()), ArtifactCondition.None);
        }

        Assert.Equal("k1", (await store.ListAsync("").FirstAsync()).Key);
        Assert.Equal(1, requests.Count);
        requests.Count = 0;

        Assert.Equal(keys, (await store.ListAsync("").ToListAsync()).Select(p => p.Key));
        // Pages k1 k2 | k3 k4 (failed once, asked again from its continuation token) | k5.
        Assert.Equal(4, requests.Count);
    }

    [Fact]
    public void ABadConnectionString_IsRefusedWithoutRepeatingIt()
    {
        const string Secret = "AccountName=x;AccountKey=c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw==;NotAKeyword";

        var refused = Assert.Throws<InvalidSettingException>(() => AzureBlobArtifactStore.FromConnectionString(Secret, "models"));

        Assert.DoesNotContain("c2VjcmV0", refused.Message);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", refused.Message);
    }
}

/// <summary>Counts the listing requests a client sends, and fails the <c>failing</c>-th one (counting from 1) with a 503, once.</summary>
internal sealed class ListRequests(int failing) : HttpPipelinePolicy
{
    private bool _failed;

    public int Count { get; set; }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Observe(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Observe(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Observe(HttpMessage message)
    {
        if (!message.Request.Uri.Query.Contains("comp=list", StringComparison.Ordinal))
        {
            return;
        }
        Count++;
        if (Count == failing && !_failed)
        {
            _failed = true;
            throw new RequestFailedException(503, "A listing page failed on purpose.");
        }
    }
}
