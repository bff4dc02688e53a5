using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Storage.Tests;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The storage fault campaign (issue 12): the model registry on a real Azurite that is killed (SIGKILL) at random moments
/// of publishes, pulls and alias moves and started again on the same data. After each kill the operation either completes
/// once the store is back or fails with a store error and completes when asked again; then every version a reader can see
/// must pull whole (every file's SHA-256 checked) and every alias must name one.
/// </summary>
public sealed partial class StorageFaultCampaign
{
    public const string Publish = "publish";
    public const string Pull = "pull";
    public const string AliasMove = "alias move";
    public static readonly IReadOnlyList<string> Operations = [Publish, Pull, AliasMove];

    private const string Model = "m";
    private const string Champion = "champion";
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

    /// <summary>
    /// Publishes a first version and names it champion, then times each operation uninterrupted (the median of three), the
    /// span the kill points are drawn from.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> MeasureTypicalAsync(CancellationToken cancellationToken)
    {
        await PublishAsync(NewRequest(), cancellationToken);
        await MoveChampionAsync(_published.Keys.Max(), cancellationToken);
        var typical = new Dictionary<string, double>();
        foreach (string operation in Operations)
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
        long down = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(outage), cancellationToken);
        await _azurite.StartAsync(cancellationToken);
        double outageSeconds = Stopwatch.GetElapsedTime(down).TotalSeconds;

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
        return new StorageFaultTrial(operation, killedAt, typicalMs, Landed(inFlight), outageSeconds, failure is null && !undone, undone, failure, savedMidway, problems);
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
        Publish => PreparePublish(),
        Pull => PreparePull(),
        AliasMove => await PrepareAliasMoveAsync(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "publish, pull or alias move"),
    };

    // A new model file published as the next version; checked: that version's model is this file.
    private Operation PreparePublish()
    {
        PublishRequest request = NewRequest();
        string sha256 = FileDigest.Of(request.Files[0].SourcePath).Sha256;
        PublishedModel? published = null;
        return new Operation(
            async cancellationToken => published = await PublishAsync(request, cancellationToken),
            CheckFailedAsync: async cancellationToken =>
                // A publish that failed is absent: no version with this model file is visible (ListVersions says "not published").
                (await VisibleVersionsAsync(cancellationToken)).FirstOrDefault(version => version.Manifest!.Files.Any(file => file.Sha256 == sha256)) is { } visible
                    ? [$"a publish that failed left its version {visible.Version} visible"]
                    : [],
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
                return FileDigest.Of(pulled.PathOf(EncoderFile)).Sha256 == sha256 ? [] : [$"{published.Reference} does not hold the file published"];
            },
            UndoneAsync: async cancellationToken =>
                published is not null && !(await VisibleVersionsAsync(cancellationToken)).Any(version => version.Version == published.Manifest.Version));
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
            UndoneAsync: _ => Task.FromResult(false)); // a pull writes nothing to the store
    }

    // The champion alias to a published version drawn at random; checked: it names that version, and a move that failed
    // left it on a published one.
    private async Task<Operation> PrepareAliasMoveAsync(CancellationToken cancellationToken)
    {
        ModelVersion[] versions = [.. _published.Keys.Order()];
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
            UndoneAsync: async cancellationToken => await _registry.GetAliasETagAsync(Model, Champion, cancellationToken) == before);
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
    // and whether the store is as it was before the operation (every write of it lost).
    private sealed record Operation(Func<CancellationToken, Task> Run, Func<CancellationToken, Task<IReadOnlyList<string>>> CheckFailedAsync,
        Func<CancellationToken, Task<IReadOnlyList<string>>> CheckCompletedAsync, Func<CancellationToken, Task<bool>> UndoneAsync);
}
