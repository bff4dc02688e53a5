namespace Pipeline.Storage.Tests;

public sealed class AzuriteModelRegistryTests(AzuriteServer azurite) : ModelRegistryContractTests, IClassFixture<AzuriteServer>
{
    private readonly string _container = AzuriteServer.NewContainerName();

    protected override IArtifactStore NewStore() => azurite.NewStore(_container);
}
