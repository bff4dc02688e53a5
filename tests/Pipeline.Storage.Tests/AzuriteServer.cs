using Pipeline.Storage;
using Pipeline.Tests;

namespace Pipeline.Storage.Tests;

/// <summary>
/// The tests' Azurite (<see cref="AzuriteProcess"/>) on a free loopback port with its data in a temporary folder, one per
/// test class; the fault tests kill it and start it again on the same port and folder.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly AzuriteProcess _azurite;

    public AzuriteServer() => _azurite = new AzuriteProcess(RepositoryRoot.Combine("tests", "node", "node_modules", ".bin", "azurite-blob"), _data.Path);

    public string ConnectionString => _azurite.ConnectionString;

    /// <summary>A store on a fresh container of this server.</summary>
    public AzureBlobArtifactStore NewStore(string? container = null, ArtifactStoreOptions? options = null) =>
        AzureBlobArtifactStore.FromConnectionString(ConnectionString, container ?? NewContainerName(), options ?? AzuriteProcess.FastRetries);

    public static string NewContainerName() => "test-" + Guid.NewGuid().ToString("N")[..16];

    public async Task InitializeAsync() => await StartAsync();

    public Task DisposeAsync()
    {
        _azurite.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Starts Azurite and waits until it answers HTTP.</summary>
    public Task StartAsync() => _azurite.StartAsync();

    /// <summary>Makes Azurite save its metadata and waits for it, so that a kill cannot undo what came before.</summary>
    public Task SaveMetadataAsync() => _azurite.SaveMetadataAsync();

    /// <summary>Kills Azurite at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public void Kill() => _azurite.Kill();
}
