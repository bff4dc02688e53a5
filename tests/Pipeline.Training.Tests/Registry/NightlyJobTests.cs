using System.Text.Json;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry.Nightly;

namespace Pipeline.Training.Tests.Registry;

/// <summary>
/// The nightly job in-process, where its outcome is cheap to reach: another run holds the lease, the state is damaged,
/// the run diverges. The nights that publish and promote run through the CLI (NightlyCliTests).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class NightlyJobTests : IDisposable
{
    private const string Model = "m";

    private readonly TempDirectory _folder = new();
    private readonly IArtifactStore _store;
    private readonly NightlyConfig _config;

    public NightlyJobTests()
    {
        _store = new FileSystemArtifactStore(_folder.File("store"));
        _config = new NightlyConfig { Model = Model, Pretrain = new SimClrPretrainOptions(), WorkDirectory = _folder.File("work") };
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RunAsync_WhileAnotherRunHoldsTheLease_IsLeaseHeld_AndDoesNothing()
    {
        await using IArtifactLease? held = await _store.TryAcquireLeaseAsync(NightlyState.LeaseKey(Model));
        Assert.NotNull(held);
        bool started = false;

        NightlyOutcome outcome = await new NightlyJob(_config, _store).RunAsync(new NightlyJobObserver { Started = _ => started = true });

        var leaseHeld = Assert.IsType<NightlyOutcome.LeaseHeld>(outcome);
        Assert.Equal($"{_store.Location}/{NightlyState.LeaseKey(Model)}", leaseHeld.Lease);
        Assert.False(started);
        Assert.Null(await _store.GetPropertiesAsync(NightlyState.Key(Model)));
        Assert.False(Directory.Exists(_config.WorkDirectory), "a night that did nothing created the work folder");
    }

    [Fact]
    public async Task RunAsync_WithADamagedState_ThrowsInvalidData_TouchesNothing_AndReleasesTheLease()
    {
        string key = NightlyState.Key(Model);
        await _store.PutAsync(key, new MemoryStream("{ damaged"u8.ToArray()), ArtifactCondition.None);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new NightlyJob(_config, _store).RunAsync());

        Assert.Contains("state.json is damaged (", error.Message);
        Assert.Equal([key], (await _store.ListAsync(NightlyState.Prefix(Model)).ToListAsync()).Select(item => item.Key));
        await using IArtifactLease? lease = await _store.TryAcquireLeaseAsync(NightlyState.LeaseKey(Model));
        Assert.NotNull(lease);
    }

    [Fact]
    public async Task RunAsync_ADivergedRun_IsDiverged_AndKeepsTheRunInTheStoreForTheNextNight()
    {
        // 20 steps, a checkpoint after each: with lr 1e30, step 1's update ruins the weights, and step 2's loss overflows.
        NightlyConfig config = _config with
        {
            Pretrain = new SimClrPretrainOptions
            {
                Limit = 128, BatchSize = 32, Epochs = 5, EmbeddingDim = 32, ProjectionDim = 16, CheckpointEvery = 1, Threads = 2, Device = "cpu",
                LearningRate = 1e30,
            },
            MirrorSeconds = 0.2,
        };
        NightlyStart? started = null;

        NightlyOutcome outcome = await new NightlyJob(config, _store).RunAsync(new NightlyJobObserver { Started = start => started = start });

        var diverged = Assert.IsType<NightlyOutcome.Diverged>(outcome);
        Assert.NotNull(started);
        Assert.False(started.Resumed);
        Assert.Equal(started.State, diverged.State);
        Assert.Contains("at step 2 (learning rate", diverged.Error.Message);
        // The run is kept, not completed, for the next night to resume; nothing was published.
        Assert.True(File.Exists(started.Run.ConfigPath));
        using var state = new MemoryStream();
        await _store.GetAsync(NightlyState.Key(Model), state);
        Assert.Equal(diverged.State, JsonSerializer.Deserialize<NightlyState>(state.ToArray(), RunJson.CamelCase));
        Assert.Null(diverged.State.CompletedUtc);
        Assert.Empty(await _store.ListAsync("models/").ToListAsync());
    }
}
