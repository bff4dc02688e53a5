using Pipeline.Storage;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry.Nightly;

namespace Pipeline.Training.Tests.Registry;

/// <summary>The nightly job's copy of its run in the store, kept to the run's newest checkpoint, whatever happens to it.</summary>
public sealed class RunMirrorTests : IDisposable
{
    private const string Prefix = "nightly/m/runs/r/";

    private readonly TempDirectory _folder = new();
    private readonly IArtifactStore _store;
    private readonly RunDirectory _run;

    public RunMirrorTests()
    {
        _store = new FileSystemArtifactStore(_folder.File("store"));
        _run = new RunDirectory(_folder.File("run"));
        Directory.CreateDirectory(_run.CheckpointDirectory);
        File.WriteAllText(_run.ConfigPath, "{}");
        File.WriteAllText(_run.MetricsPath, "{\"step\":1}\n");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sync_FollowsTheNewestCheckpoint_BackToAnOlderOneOrToNone_AsADivergedRunDeletesThem()
    {
        var mirror = new RunMirror(_store, _run, Prefix);
        File.WriteAllText(_run.CheckpointPath(2), "2");
        File.WriteAllText(_run.CheckpointPath(4), "4");
        await mirror.SyncAsync(CancellationToken.None);
        long[] mirrored = await MirroredCheckpointsAsync();
        Assert.Equal([4L], mirrored);

        // A divergence deletes the checkpoint that gave the non-finite loss: the next job must not resume from it.
        File.Delete(_run.CheckpointPath(4));
        await mirror.SyncAsync(CancellationToken.None);
        mirrored = await MirroredCheckpointsAsync();
        Assert.Equal([2L], mirrored);

        File.Delete(_run.CheckpointPath(2));
        File.WriteAllText(_run.MetricsPath, "");
        await mirror.SyncAsync(CancellationToken.None);
        Assert.Empty(await MirroredCheckpointsAsync());

        var elsewhere = new RunDirectory(_folder.File("elsewhere"));
        await new RunMirror(_store, elsewhere, Prefix).RestoreAsync(CancellationToken.None);
        Assert.Empty(elsewhere.Checkpoints());
        Assert.Equal("{}", File.ReadAllText(elsewhere.ConfigPath));
        Assert.Equal("", File.ReadAllText(elsewhere.MetricsPath));
    }

    private async Task<long[]> MirroredCheckpointsAsync() =>
        (await _store.ListAsync(Prefix + "checkpoints/").ToListAsync())
            .Select(blob => long.Parse(Path.GetFileNameWithoutExtension(blob.Key)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
}
