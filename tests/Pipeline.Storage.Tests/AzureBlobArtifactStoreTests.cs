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

        Assert.Empty(await store.ListAsync(""));
        Assert.Null(await store.GetPropertiesAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        await store.PutAsync("k", new MemoryStream("1"u8.ToArray()), ArtifactCondition.IfAbsent);
        Assert.Single(await store.ListAsync(""));
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
