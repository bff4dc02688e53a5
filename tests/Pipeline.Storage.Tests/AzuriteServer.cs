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

    /// <summary>Short delays so that the tests ride out a restart quickly; enough retries to outlast a few seconds of outage.</summary>
    public static ArtifactStoreOptions FastRetries { get; } = new()
    {
        Resilience = new ArtifactStoreResilienceOptions
        {
            MaxRetryAttempts = 30,
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(1),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(1),
        },
        TransferChunkBytes = 1 << 20,
    };

    /// <summary>A store on a fresh container of this server.</summary>
    public AzureBlobArtifactStore NewStore(string? container = null, ArtifactStoreOptions? options = null) =>
        AzureBlobArtifactStore.FromConnectionString(ConnectionString, container ?? NewContainerName(), options ?? FastRetries);

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

    /// <summary>Waits until Azurite has saved its metadata (every 5 s) after now, so that a kill cannot undo what came before.</summary>
    public Task WaitForMetadataSaveAsync() => _azurite.WaitForMetadataSaveAsync();

    /// <summary>Kills Azurite at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public void Kill() => _azurite.Kill();
}
