namespace Pipeline.Storage.Tests;

public sealed class FileSystemModelRegistryTests : ModelRegistryContractTests
{
    private readonly TempDirectory _root = new();

    protected override IArtifactStore NewStore() => new FileSystemArtifactStore(Path.Combine(_root.Path, "registry"), AzuriteProcess.FastRetries);

    public override void Dispose()
    {
        _root.Dispose();
        base.Dispose();
    }
}
