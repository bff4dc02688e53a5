using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Storage.Tests;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The storage fault campaign (issue 12): the model registry on a real Azurite that is killed (SIGKILL) at random moments
/// of publishes, pulls and alias moves, and at chosen boundaries between a publish's manifest and the alias moves after
/// it (<see cref="KillPoints"/>), and started again on the same data. After each kill the operation either completes
/// once the store is back or fails with a store error and completes when asked again, without a second version of its
/// files; then every version a reader can see must pull whole (every file's SHA-256 checked) and every alias must name one.
/// </summary>
public sealed partial class StorageFaultCampaign
{
    public const string Publish = "publish";
    public const string Pull = "pull";
    public const string AliasMove = "alias move";
    // The nightly job's end: publish a candidate (latest follows), then move champion to it, conditionally on the champion read.
    public const string PublishThenPromote = "publish then promote";
    /// <summary>The operations killed at random moments, in turn.</summary>
    public static readonly IReadOnlyList<string> Operations = [Publish, Pull, AliasMove];

    /// <summary>The boundaries the targeted kills land at, each once the registry's state there is saved.</summary>
    public static readonly IReadOnlyList<KillPoint> KillPoints =
    [
        new("manifest written, latest not moved", PublishThenPromote, ModelManifest.FileName, BeforeWrite: false),
        new("latest moved, champion not", PublishThenPromote, $"aliases/{ModelNames.Latest}.json", BeforeWrite: false),
        new("champion read, its conditional move not sent", PublishThenPromote, $"aliases/{Champion}.json", BeforeWrite: true),
        new("champion read, its move not sent", AliasMove, $"aliases/{Champion}.json", BeforeWrite: true),
    ];

    private const string Model = "m";
    private const string Champion = ModelNames.Champion;
    private const string EncoderFile = "encoder.onnx";
    private const string ConfigFile = "run.json";
    private const int TypicalRuns = 3;
    // Azurite saves its metadata this long after its last save, when something changed since.
    private static readonly TimeSpan SavingPeriod = TimeSpan.FromSeconds(5);

    private readonly AzuriteProcess _azurite;
    private readonly InFlightStore _store;
    private readonly ModelRegistry _registry;
    private readonly string _work;
    private readonly int _modelBytes;
    private readonly double _maxOutageSeconds;
    private readonly Random _random;
    // The SHA-256 of the model file of each version this campaign saw published, and the versions already pulled whole.
    private readonly Dictionary<ModelVersion, string> _published = [];
    private readonly HashSet<ModelVersion> _pulledWhole = [];
    private int _folders;

    /// <param name="azurite">The running Azurite the store talks to.</param>
    /// <param name="store">The registry's store on <paramref name="azurite"/>, watched for the calls in flight.</param>
    /// <param name="work">A folder for the files to publish and the pulls.</param>
    /// <param name="modelBytes">The size of the model file each publish uploads.</param>
    /// <param name="maxOutageSeconds">The longest wait, drawn at random, before Azurite is started again after a kill.</param>
    /// <param name="seed">Seed of the kill points, the outages and the models' bytes.</param>
    public StorageFaultCampaign(AzuriteProcess azurite, InFlightStore store, string work, int modelBytes, double maxOutageSeconds, int seed)
    {
        _azurite = azurite;
        _store = store;
        _registry = new ModelRegistry(store);
        _work = work;
        _modelBytes = modelBytes;
        _maxOutageSeconds = maxOutageSeconds;
        _random = new Random(seed);
    }

    /// <summary>Kills that landed after the operation had ended (no kill was made then; another point was drawn), per operation.</summary>
    public Dictionary<string, int> Missed { get; } = Operations.ToDictionary(operation => operation, _ => 0);

    /// <summary>Targeted kills whose operation ended without reaching the boundary (no kill was made), per kill point.</summary>
    public Dictionary<KillPoint, int> MissedBoundaries { get; } = KillPoints.ToDictionary(point => point, _ => 0);

    /// <summary>
    /// Publishes a first version and names it champion, then times each operation uninterrupted (the median of three), the
    /// span the kill points are drawn from.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> MeasureTypicalAsync(CancellationToken cancellationToken)
    {
        await PublishAsync(NewRequest(), cancellationToken);
        await MoveChampionAsync(_published.Keys.Max(), cancellationToken);
        var typical = new Dictionary<string, double>();
        foreach (string operation in (string[])[.. Operations, PublishThenPromote])
        {
            var times = new List<double>();
            for (int run = 0; run < TypicalRuns; run++)
            {
                Func<CancellationToken, Task> work = (await PrepareAsync(operation, cancellationToken)).Run;
                long started = Stopwatch.GetTimestamp();
                await work(cancellationToken);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            typical[operation] = times.Order().ElementAt(TypicalRuns / 2);
        }
        return typical;
    }

    /// <summary>
    /// One kill: makes Azurite save its metadata (so that the kill can only undo this operation's writes), starts
    /// <paramref name="operation"/>, kills Azurite at a random moment of its typical duration or right after a save
    /// within it, starts it again after a random outage, and checks the outcome; null when the operation had ended first.
    /// </summary>
    public async Task<StorageFaultTrial?> TrialAsync(string operation, double typicalMs, CancellationToken cancellationToken)
    {
        await _azurite.SaveMetadataAsync(cancellationToken); // a kill can undo only this operation's writes
        DateTime nextSaveUtc = _azurite.MetadataSavedUtc + SavingPeriod;
        Operation prepared = await PrepareAsync(operation, cancellationToken);
        double killAt = _random.NextDouble() * typicalMs;
        double outage = _random.NextDouble() * _maxOutageSeconds;
        // Half the writing operations are killed at a random moment right after they start, which undoes all they wrote; the
        // other half start so that Azurite's next save falls at a random moment of them, and are killed as soon as it has
        // saved: their first writes (a claimed version, files uploaded) survive, and the kill leaves them half-done for real.
        bool afterSave = operation != Pull && _random.NextDouble() < 0.5; // a pull writes nothing, and Azurite saves only changes
        if (afterSave)
        {
            TimeSpan wait = nextSaveUtc - TimeSpan.FromMilliseconds(killAt) - DateTime.UtcNow;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
        }
        DateTime beganUtc = DateTime.UtcNow;
        long started = Stopwatch.GetTimestamp();
        Task running = Task.Run(() => prepared.Run(cancellationToken), cancellationToken);
        if (afterSave)
        {
            while (!running.IsCompleted && _azurite.MetadataSavedUtc <= beganUtc)
            {
                await Task.Delay(1, cancellationToken);
            }
        }
        else
        {
            await Task.Delay(TimeSpan.FromMilliseconds(killAt), cancellationToken);
        }
        IReadOnlyList<string> inFlight = _store.Running;
        if (running.IsCompleted)
        {
            Missed[operation]++;
            await running;
            return null;
        }
        _azurite.Kill();
        double killedAt = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        bool savedMidway = _azurite.MetadataSavedUtc > beganUtc;
        double outageSeconds = await RestartAfterAsync(TimeSpan.FromSeconds(outage), cancellationToken);
        (IReadOnlyList<string> problems, string? failure, bool undone) = await SettleAsync(operation, prepared, running, cancellationToken);
        return new StorageFaultTrial(operation, killedAt, typicalMs, Landed(inFlight), outageSeconds, failure is null && !undone, undone, failure, savedMidway, problems);
    }

    /// <summary>
    /// One targeted kill: makes Azurite save its metadata, starts <paramref name="point"/>'s operation, and at the boundary
    /// makes Azurite save again (what the operation wrote so far survives: the boundary state is real), checks the store is
    /// in that state, kills Azurite, starts it again after <paramref name="outage"/> (null: a random one, as after a random
    /// kill) and checks the outcome as <see cref="TrialAsync"/> does; null when the operation ended without reaching the boundary.
    /// </summary>
    public async Task<StorageFaultTrial?> TargetedTrialAsync(KillPoint point, double typicalMs, TimeSpan? outage, CancellationToken cancellationToken)
    {
        TimeSpan down = outage ?? TimeSpan.FromSeconds(_random.NextDouble() * _maxOutageSeconds);
        await _azurite.SaveMetadataAsync(cancellationToken);
        Operation prepared = await PrepareAsync(point.Operation, cancellationToken);
        Func<KillPoint, CancellationToken, Task<IReadOnlyList<string>>> checkBoundary = prepared.CheckBoundaryAsync
            ?? throw new ArgumentException($"{point.Operation} has no boundaries to kill at.", nameof(point));
        var killed = new TaskCompletionSource<(double AtMs, IReadOnlyList<string> OutsideBoundary)>(TaskCreationOptions.RunContinuationsAsynchronously);
        long started = Stopwatch.GetTimestamp();
        _store.Arm(call => call.StartsWith("put ", StringComparison.Ordinal) && call.EndsWith("/" + point.Write, StringComparison.Ordinal), point.BeforeWrite,
            async () =>
            {
                double at = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                await _azurite.SaveMetadataAsync(cancellationToken);
                IReadOnlyList<string> outside = await checkBoundary(point, cancellationToken);
                _azurite.Kill();
                killed.SetResult((at, outside));
            });
        Task running = Task.Run(() => prepared.Run(cancellationToken), cancellationToken);
        await Task.WhenAny(killed.Task, running);
        if (!killed.Task.IsCompleted)
        {
            _store.Disarm();
            MissedBoundaries[point]++;
            await running;
            return null;
        }
        (double killedAt, IReadOnlyList<string> outsideBoundary) = await killed.Task;
        double outageSeconds = await RestartAfterAsync(down, cancellationToken);
        (IReadOnlyList<string> problems, string? failure, bool undone) = await SettleAsync(point.Operation, prepared, running, cancellationToken);
        return new StorageFaultTrial(point.Operation, killedAt, typicalMs, point.Name, outageSeconds, failure is null && !undone, undone, failure,
            SavedMidway: true, [.. outsideBoundary, .. problems]);
    }

    // Waits, starts Azurite again and says how long it was down (the wait and its start).
    private async Task<double> RestartAfterAsync(TimeSpan outage, CancellationToken cancellationToken)
    {
        long down = Stopwatch.GetTimestamp();
        await Task.Delay(outage, cancellationToken);
        await _azurite.StartAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(down).TotalSeconds;
    }

    // Once Azurite is back: the killed operation completes, or fails with a store error leaving the registry as it promises
    // and completes when retried; then the registry as a whole is checked. The problems found, the failure, and whether
    // Azurite had lost the writes of an operation that completed (it was retried too).
    private async Task<(IReadOnlyList<string> Problems, string? Failure, bool Undone)> SettleAsync(string operation, Operation prepared, Task running,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        string? failure = null;
        try
        {
            await running.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        }
        catch (TimeoutException)
        {
            problems.Add($"{operation} still running 2 minutes after Azurite came back");
            failure = "hung";
        }
        catch (Exception error) when (error is ArtifactStoreException or ModelRegistryException)
        {
            failure = error.GetType().Name;
            problems.AddRange(await prepared.CheckFailedAsync(cancellationToken));
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            failure = error.GetType().Name;
            problems.Add($"{operation} failed with {error.GetType().Name}, not a store error: {error.Message}");
        }
        // Azurite loses the writes of its last seconds when killed, acknowledged ones included: an operation that completed
        // may find the registry as it was before it, which is no fault of the registry (a caller that checks retries).
        bool undone = failure is null && (await prepared.CheckCompletedAsync(cancellationToken)).Count > 0 && await prepared.UndoneAsync(cancellationToken);
        if (failure is not null || undone)
        {
            try
            {
                await prepared.Run(cancellationToken); // the retry a caller (or the scheduler) makes
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                problems.Add($"{operation} failed again when retried: {error.GetType().Name}: {error.Message}");
            }
        }
        problems.AddRange(await prepared.CheckCompletedAsync(cancellationToken));
        problems.AddRange(await CheckRegistryAsync(cancellationToken));
        return (problems, failure, undone);
    }

    /// <summary>
    /// The whole registry as a reader sees it: every version with a manifest pulled and every file's SHA-256 checked, every
    /// alias resolved. Returns the problems and counts the versions without a manifest (left by publishes that failed).
    /// </summary>
    public async Task<(IReadOnlyList<string> Problems, int Published, int Unpublished)> FinalCheckAsync(CancellationToken cancellationToken)
    {
        _pulledWhole.Clear();
        IReadOnlyList<string> problems = await CheckRegistryAsync(cancellationToken);
        IReadOnlyList<ModelVersionSummary> versions = await _registry.ListVersionsAsync(Model, cancellationToken);
        return (problems, versions.Count(version => version.IsPublished), versions.Count(version => !version.IsPublished));
    }

    private async Task<Operation> PrepareAsync(string operation, CancellationToken cancellationToken) => operation switch
    {
        Publish => await PreparePublishAsync(cancellationToken),
        Pull => PreparePull(),
        AliasMove => await PrepareAliasMoveAsync(cancellationToken),
        PublishThenPromote => await PreparePublishThenPromoteAsync(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "publish, pull, alias move or publish then promote"),
    };

    // A new model file published as the next version, with a publish id (retried with it); checked: that version's model is
    // this file, and no other version holds it.
    private async Task<Operation> PreparePublishAsync(CancellationToken cancellationToken)
    {
        PublishRequest request = NewRequest();
        string sha256 = FileDigest.Of(request.Files[0].SourcePath).Sha256;
        int versionsBefore = (await _registry.ListVersionsAsync(Model, cancellationToken)).Count;
        PublishedModel? published = null;
        return new Operation(
            async cancellationToken => published = await PublishAsync(request, cancellationToken),
            // A publish that failed is absent, or it failed as the aliases moved and its version is whole (the registry check pulls it).
            CheckFailedAsync: async cancellationToken => SecondVersions(await HoldingAsync(sha256, cancellationToken)),
            CheckCompletedAsync: async cancellationToken =>
            {
                if (published is null)
                {
                    return ["the publish never completed"];
                }
                if (!(await VisibleVersionsAsync(cancellationToken)).Any(version => version.Version == published.Manifest.Version))
                {
                    return [$"{published.Reference} is not visible once published"];
                }
                PulledModel pulled = await _registry.PullAsync(published.Reference, NewFolder(), cancellationToken: cancellationToken);
                return [.. FileDigest.Of(pulled.PathOf(EncoderFile)).Sha256 == sha256 ? [] : (string[])[$"{published.Reference} does not hold the file published"],
                    .. SecondVersions(await HoldingAsync(sha256, cancellationToken)), .. await VersionsTakenAsync(versionsBefore, cancellationToken)];
            },
            UndoneAsync: async cancellationToken =>
                published is not null && !(await VisibleVersionsAsync(cancellationToken)).Any(version => version.Version == published.Manifest.Version),
            CheckBoundaryAsync: null);
    }

    // The nightly job's end: a new model file published as the next version (latest follows), then champion moved to it,
    // conditionally on the champion read just before. Checked at a boundary: the candidate is visible, champion still the
    // old one, latest the old one until the publish moved it. Checked after a failure: champion is the old one or the
    // candidate, never anything else, and the candidate has one version at most. Checked once completed (by the retry, which
    // publishes with the same publish id): champion and latest name the candidate, the one version of its file, and the
    // publish took one version number in all.
    private async Task<Operation> PreparePublishThenPromoteAsync(CancellationToken cancellationToken)
    {
        PublishRequest request = NewRequest();
        string sha256 = FileDigest.Of(request.Files[0].SourcePath).Sha256;
        int versionsBefore = (await _registry.ListVersionsAsync(Model, cancellationToken)).Count;
        ModelVersion? championBefore = (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version;
        ModelVersion? latestBefore = (await _registry.ReadAliasAsync(Model, ModelNames.Latest, cancellationToken))?.Version;
        ModelVersion? promoted = null;
        return new Operation(
            async cancellationToken =>
            {
                PublishedModel candidate = await PublishAsync(request, cancellationToken);
                ModelAlias? champion = await _registry.ReadAliasAsync(Model, Champion, cancellationToken);
                await _registry.PromoteAsync(candidate.Reference, Champion, champion?.Version, cancellationToken);
                promoted = candidate.Manifest.Version;
            },
            CheckFailedAsync: async cancellationToken =>
            {
                IReadOnlyList<ModelVersion> holding = await HoldingAsync(sha256, cancellationToken);
                ModelVersion? champion = (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version;
                return [.. SecondVersions(holding), .. champion == championBefore || holding.Contains(champion ?? default) ? [] :
                    (string[])[$"a promotion that failed left {Champion} on {champion?.ToString() ?? "nothing"}, neither the old champion ({championBefore}) nor the candidate"]];
            },
            CheckCompletedAsync: async cancellationToken =>
            {
                if (promoted is not { } candidate)
                {
                    return ["the publish and promotion never completed"];
                }
                ModelVersion? champion = (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version;
                ModelVersion? latest = (await _registry.ReadAliasAsync(Model, ModelNames.Latest, cancellationToken))?.Version;
                return [.. champion == candidate ? [] : (string[])[$"{Champion} names {champion}, not the candidate {candidate}, once promoted"],
                    .. latest == candidate ? [] : (string[])[$"{ModelNames.Latest} names {latest}, not the candidate {candidate}, once published"],
                    .. SecondVersions(await HoldingAsync(sha256, cancellationToken)), .. await VersionsTakenAsync(versionsBefore, cancellationToken)];
            },
            UndoneAsync: async cancellationToken => (await HoldingAsync(sha256, cancellationToken)).Count == 0,
            CheckBoundaryAsync: async (point, cancellationToken) =>
            {
                IReadOnlyList<ModelVersion> holding = await HoldingAsync(sha256, cancellationToken);
                ModelVersion? champion = (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version;
                ModelVersion? latest = (await _registry.ReadAliasAsync(Model, ModelNames.Latest, cancellationToken))?.Version;
                ModelVersion? latestThen = point.Write == ModelManifest.FileName ? latestBefore : holding.FirstOrDefault();
                return holding.Count == 1 && champion == championBefore && latest == latestThen
                    ? []
                    : [$"the kill missed its boundary ({point.Name}): candidate visible as {string.Join(", ", holding)}, {Champion} {champion}, {ModelNames.Latest} {latest}"];
            });
    }

    // The latest version into a new folder; checked: the file pulled is the one published, and a pull that failed left no
    // manifest and no file under its final name that is not whole.
    private Operation PreparePull()
    {
        string folder = NewFolder();
        PulledModel? pulled = null;
        return new Operation(
            async cancellationToken => pulled = await _registry.PullAsync(ModelReference.ForAlias(Model, ModelNames.Latest), folder, cancellationToken: cancellationToken),
            CheckFailedAsync: _ =>
            {
                string target = Path.Combine(folder, EncoderFile);
                var problems = new List<string>();
                if (File.Exists(Path.Combine(folder, ModelManifest.FileName)))
                {
                    problems.Add("a pull that failed left a manifest");
                }
                if (File.Exists(target) && !_published.ContainsValue(FileDigest.Of(target).Sha256))
                {
                    problems.Add("a pull that failed left a model file that is not whole");
                }
                return Task.FromResult<IReadOnlyList<string>>(problems);
            },
            CheckCompletedAsync: _ =>
            {
                var problems = new List<string>();
                if (pulled is null)
                {
                    problems.Add("the pull never completed");
                }
                else if (!_published.TryGetValue(pulled.Manifest.Version, out string? expected) || FileDigest.Of(pulled.PathOf(EncoderFile)).Sha256 != expected)
                {
                    problems.Add($"the pull of {pulled.Manifest.Version} does not hold the file published");
                }
                if (Directory.EnumerateFiles(folder, "*.partial").Any())
                {
                    problems.Add("a pull left a partial file");
                }
                return Task.FromResult<IReadOnlyList<string>>(problems);
            },
            UndoneAsync: _ => Task.FromResult(false), // a pull writes nothing to the store
            CheckBoundaryAsync: null);
    }

    // The champion alias to a published version other than the one it names, drawn at random; checked: it names that
    // version, and a move that failed left it on a published one; at a boundary, it still names the one it did.
    private async Task<Operation> PrepareAliasMoveAsync(CancellationToken cancellationToken)
    {
        ModelVersion? current = (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version;
        ModelVersion[] versions = [.. _published.Keys.Where(version => version != current).Order()];
        ModelVersion target = versions[_random.Next(versions.Length)];
        string? before = await _registry.GetAliasETagAsync(Model, Champion, cancellationToken);
        return new Operation(
            cancellationToken => MoveChampionAsync(target, cancellationToken),
            CheckFailedAsync: async cancellationToken =>
                await _registry.ReadAliasAsync(Model, Champion, cancellationToken) is { } alias && !_published.ContainsKey(alias.Version)
                    ? [$"an alias move that failed left {Champion} on {alias.Version}, which was never published"]
                    : [],
            CheckCompletedAsync: async cancellationToken =>
                (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version == target ? [] : [$"{Champion} does not name {target} once moved"],
            UndoneAsync: async cancellationToken => await _registry.GetAliasETagAsync(Model, Champion, cancellationToken) == before,
            CheckBoundaryAsync: async (point, cancellationToken) =>
                (await _registry.ReadAliasAsync(Model, Champion, cancellationToken))?.Version is var champion && champion == current
                    ? []
                    : [$"the kill missed its boundary ({point.Name}): {Champion} names {champion}, not {current}"]);
    }

    private async Task<PublishedModel> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        PublishedModel published = await _registry.PublishAsync(request, cancellationToken);
        _published[published.Manifest.Version] = published.Manifest.Files.Single(file => file.Path == EncoderFile).Sha256;
        return published;
    }

    private Task MoveChampionAsync(ModelVersion target, CancellationToken cancellationToken) =>
        _registry.PromoteAsync(ModelReference.ForVersion(Model, target), Champion, cancellationToken: cancellationToken);

    // Every version with a manifest pulls whole (each once: versions are immutable) and its files are still stored at their
    // size; every alias names a version with a manifest.
    private async Task<IReadOnlyList<string>> CheckRegistryAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        IReadOnlyList<ModelVersionSummary> visible = await VisibleVersionsAsync(cancellationToken);
        foreach (ModelVersionSummary version in visible)
        {
            if (_pulledWhole.Contains(version.Version))
            {
                foreach (ManifestFile file in version.Manifest!.Files)
                {
                    ArtifactProperties? stored = await _store.GetPropertiesAsync(RegistryLayout.FileKey(Model, version.Version, file.Path), cancellationToken);
                    if (stored?.Length != file.Size)
                    {
                        problems.Add($"half-visible version: {version.Version}'s {file.Path} is {(stored is null ? "missing" : $"{stored.Length} bytes, not {file.Size}")}");
                    }
                }
                continue;
            }
            try
            {
                await _registry.PullAsync(ModelReference.ForVersion(Model, version.Version), NewFolder(), cancellationToken: cancellationToken);
                _pulledWhole.Add(version.Version);
            }
            catch (ArtifactIntegrityException error)
            {
                problems.Add($"corrupt file: {error.Message}");
            }
            catch (ArtifactNotFoundException error)
            {
                problems.Add($"half-visible version {version.Version}: {error.Message}");
            }
        }
        foreach (ModelAlias alias in await _registry.ListAliasesAsync(Model, cancellationToken))
        {
            if (!visible.Any(version => version.Version == alias.Version))
            {
                problems.Add($"alias {alias.Alias} names {alias.Version}, which has no manifest");
            }
        }
        return problems;
    }

    private async Task<IReadOnlyList<ModelVersionSummary>> VisibleVersionsAsync(CancellationToken cancellationToken) =>
        [.. (await _registry.ListVersionsAsync(Model, cancellationToken)).Where(version => version.IsPublished)];

    // The visible versions whose model file has this SHA-256: one publish's versions.
    private async Task<IReadOnlyList<ModelVersion>> HoldingAsync(string sha256, CancellationToken cancellationToken) =>
        [.. (await VisibleVersionsAsync(cancellationToken)).Where(version => version.Manifest!.Files.Any(file => file.Sha256 == sha256)).Select(version => version.Version)];

    private static IReadOnlyList<string> SecondVersions(IReadOnlyList<ModelVersion> holding) =>
        holding.Count > 1 ? [$"second version: one publish's file is visible as {string.Join(", ", holding)}"] : [];

    // A publish takes one version number, however often it is retried (a retry goes on with the version it claimed).
    private async Task<IReadOnlyList<string>> VersionsTakenAsync(int before, CancellationToken cancellationToken) =>
        (await _registry.ListVersionsAsync(Model, cancellationToken)).Count is var after && after > before + 1
            ? [$"second version: the publish and its retry took {after - before} version numbers"]
            : [];

    // A model file of fresh random bytes and a small config beside it.
    private PublishRequest NewRequest()
    {
        string folder = NewFolder();
        byte[] bytes = new byte[_modelBytes];
        _random.NextBytes(bytes);
        string encoder = Path.Combine(folder, EncoderFile), config = Path.Combine(folder, ConfigFile);
        File.WriteAllBytes(encoder, bytes);
        File.WriteAllText(config, $"{{\"source\": \"{Path.GetFileName(folder)}\"}}");
        return new PublishRequest
        {
            Name = Model,
            PublishId = "storage-faults-" + Path.GetFileName(folder),
            Files = [new PublishFile(EncoderFile, encoder), new PublishFile(ConfigFile, config)],
            Lineage = new ModelLineage("storage-faults", null, null, DateTimeOffset.UtcNow, new Dictionary<string, string>()),
        };
    }

    private string NewFolder()
    {
        string folder = Path.Combine(_work, (++_folders).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        return folder;
    }

    // "put models/m/v12/encoder.onnx" → "put v/encoder.onnx", "list models/m/" → "list versions"; nothing running →
    // "between store calls".
    private static string Landed(IReadOnlyList<string> inFlight) =>
        inFlight.Count == 0
            ? "between store calls"
            : string.Join(" + ", inFlight.Distinct().Select(call => VersionPrefix().Replace(call.Replace($"models/{Model}/", ""), "v/").TrimEnd() is var shown
                && shown.Contains(' ', StringComparison.Ordinal) ? shown : shown + " versions"));

    [GeneratedRegex(@"(?<=^\w+ )v\d+/")]
    private static partial Regex VersionPrefix();

    // An operation ready to run (and to run again, as its retry), with what must hold after it failed and after it completed,
    // whether the store is as it was before the operation (every write of it lost), and, for one that targeted kills stop
    // at a boundary, whether the store is in the state that boundary means.
    private sealed record Operation(Func<CancellationToken, Task> Run, Func<CancellationToken, Task<IReadOnlyList<string>>> CheckFailedAsync,
        Func<CancellationToken, Task<IReadOnlyList<string>>> CheckCompletedAsync, Func<CancellationToken, Task<bool>> UndoneAsync,
        Func<KillPoint, CancellationToken, Task<IReadOnlyList<string>>>? CheckBoundaryAsync);
}
