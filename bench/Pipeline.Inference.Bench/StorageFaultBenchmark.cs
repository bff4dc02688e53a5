using System.CommandLine;
using System.Globalization;
using System.Text;
using Pipeline.Cli;
using Pipeline.Storage;
using Pipeline.Storage.Tests;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The storage fault campaign as a command (<see cref="StorageFaultCampaign"/>): a number of kills landed in the middle of
/// publishes, pulls and alias moves, in turn, then a number at each boundary between a publish's manifest and the alias
/// moves after it (<see cref="StorageFaultCampaign.KillPoints"/>), half with an outage the store's retries ride out and
/// half with one they do not; per operation and boundary, how many rode the outage out, how many failed and completed
/// when retried, and where the kills landed; then the whole registry checked as a reader sees it. It fails (exit 1,
/// after writing the report) when any check found a problem.
/// </summary>
public static class StorageFaultBenchmark
{
    // Retries that ride out an outage of about five seconds and give up on a longer one, so that the campaign meets both
    // ways a publish can end: completed once the store is back, or failed and retried.
    private static readonly ArtifactStoreOptions StoreOptions = AzuriteProcess.FastRetries with
    {
        Resilience = AzuriteProcess.FastRetries.Resilience with { MaxRetryAttempts = 8, BaseDelay = TimeSpan.FromMilliseconds(100) },
        MaxConcurrency = 2,
    };
    // Longer than those retries last (about 6 s): the operation fails while the store is down, and is retried.
    private static readonly TimeSpan LongOutage = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var kills = OptionRules.Positive(new Option<int>("--kills") { Description = "Kills that land mid-operation, at random moments.", DefaultValueFactory = _ => 50 });
        var boundaryKills = OptionRules.NonNegative(new Option<int>("--boundary-kills")
        {
            Description = "Kills at each boundary between a publish's manifest and the alias moves (half of them with an outage the retries do not ride out).",
            DefaultValueFactory = _ => 4,
        });
        var modelMiB = OptionRules.Positive(new Option<int>("--model-mib") { Description = "Size of each published model file.", DefaultValueFactory = _ => 16 });
        var maxOutage = OptionRules.NonNegative(new Option<double>("--max-outage-seconds")
        {
            Description = "The longest wait before Azurite is started again (drawn at random; its start adds 1-3 s).",
            DefaultValueFactory = _ => 3,
        });
        var seed = OptionRules.NonNegative(new Option<int>("--seed") { Description = "Seed of the kill points, outages and models.", DefaultValueFactory = _ => 0 });
        var azurite = new Option<string>("--azurite")
        {
            Description = "The azurite-blob script (make setup installs it).",
            DefaultValueFactory = _ => "tests/node/node_modules/.bin/azurite-blob",
        };
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results.",
            DefaultValueFactory = _ => "bench/results/reliability-storage.md",
        };
        var command = new Command("storage-faults", "Kill Azurite at random points of registry publishes, pulls and alias moves; check every version stays whole or absent.")
        {
            kills, boundaryKills, modelMiB, maxOutage, seed, azurite, output,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => RunAsync(parse.GetValue(kills), parse.GetValue(boundaryKills), parse.GetValue(modelMiB),
            parse.GetValue(maxOutage), parse.GetValue(seed), Path.GetFullPath(parse.GetValue(azurite)!), parse.GetValue(output)!,
            Environment.GetCommandLineArgs()[1..], cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(int killCount, int boundaryKills, int modelMiB, double maxOutageSeconds, int seed, string azuritePath, string outputPath,
        string[] args, CancellationToken cancellationToken)
    {
        string loadAverage = MachineLoad.Averages();
        DirectoryInfo work = Directory.CreateTempSubdirectory("storage-faults-");
        try
        {
            using var azurite = new AzuriteProcess(azuritePath, Path.Combine(work.FullName, "azurite"));
            await azurite.StartAsync(cancellationToken);
            var store = new InFlightStore(AzureBlobArtifactStore.FromConnectionString(azurite.ConnectionString, "faults", StoreOptions));
            var campaign = new StorageFaultCampaign(azurite, store, Path.Combine(work.FullName, "files"), modelMiB << 20, maxOutageSeconds, seed);
            IReadOnlyDictionary<string, double> typical = await campaign.MeasureTypicalAsync(cancellationToken);
            Console.Error.WriteLine("Uninterrupted: " + string.Join(", ", typical.Select(pair => $"{pair.Key} {pair.Value:F0} ms")));

            var trials = new List<StorageFaultTrial>();
            int attempts = 0;
            while (trials.Count < killCount && attempts++ < killCount * 4)
            {
                string operation = StorageFaultCampaign.Operations[trials.Count % StorageFaultCampaign.Operations.Count];
                if (await campaign.TrialAsync(operation, typical[operation], cancellationToken) is { } trial)
                {
                    trials.Add(trial);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"kill {trials.Count}/{killCount}: {operation} at {trial.KilledAtMs:F0} ms ({trial.Landed}), down {trial.OutageSeconds:F1} s → "
                        + $"{(trial.RodeOut ? "completed" : trial.Undone ? "completed, undone by Azurite, retried" : $"{trial.Failure}, retried")}{(trial.Problems.Count > 0 ? ": " + string.Join("; ", trial.Problems) : "")}"));
                }
            }
            var targeted = new List<StorageFaultTrial>();
            foreach (KillPoint point in StorageFaultCampaign.KillPoints)
            {
                int landed = 0;
                for (int attempt = 0; landed < boundaryKills && attempt < boundaryKills * 4; attempt++)
                {
                    TimeSpan? outage = landed % 2 == 1 ? LongOutage : null;
                    if (await campaign.TargetedTrialAsync(point, typical[point.Operation], outage, cancellationToken) is { } trial)
                    {
                        landed++;
                        targeted.Add(trial);
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"boundary kill {targeted.Count}/{boundaryKills * StorageFaultCampaign.KillPoints.Count}: {point.Operation}, {point.Name}, at {trial.KilledAtMs:F0} ms, down {trial.OutageSeconds:F1} s → "
                            + $"{(trial.RodeOut ? "completed" : $"{trial.Failure}, retried")}{(trial.Problems.Count > 0 ? ": " + string.Join("; ", trial.Problems) : "")}"));
                    }
                }
            }
            (IReadOnlyList<string> finalProblems, int published, int unpublished) = await campaign.FinalCheckAsync(cancellationToken);

            string report = Report(trials, campaign.Missed, targeted, campaign.MissedBoundaries, typical, finalProblems, published, unpublished, modelMiB,
                maxOutageSeconds, loadAverage, args);
            Console.WriteLine(report);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
            await File.WriteAllTextAsync(outputPath, report, cancellationToken);
            Console.Error.WriteLine($"wrote {outputPath}");
            return trials.Count < killCount || targeted.Count < boundaryKills * StorageFaultCampaign.KillPoints.Count || finalProblems.Count > 0
                || trials.Concat(targeted).Any(trial => trial.Problems.Count > 0) ? 1 : 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Report(IReadOnlyList<StorageFaultTrial> trials, IReadOnlyDictionary<string, int> missed, IReadOnlyList<StorageFaultTrial> targeted,
        IReadOnlyDictionary<KillPoint, int> missedBoundaries, IReadOnlyDictionary<string, double> typical, IReadOnlyList<string> finalProblems, int published,
        int unpublished, int modelMiB, double maxOutageSeconds, string loadAverage, string[] args)
    {
        IEnumerable<string> everyProblem = trials.Concat(targeted).SelectMany(trial => trial.Problems).Concat(finalProblems);
        var text = new StringBuilder();
        text.AppendLine("# Storage faults: Azurite killed in the middle of registry operations and between a publish's manifest and its alias moves");
        text.AppendLine();
        text.AppendLine($"Command: `dotnet bench/Pipeline.Inference.Bench/bin/Release/net10.0/linux-x64/pipeline-inference-bench.dll {string.Join(' ', args)}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Store: Azurite (npm) on loopback, killed with SIGKILL and started again on the same port and data folder after a random 0–{maxOutageSeconds:0.#} s wait (plus its own start). Azurite saves its metadata every 5 s and a kill undoes the writes since the last save: before each operation the campaign waits for a save, so a kill can only undo the operation under test; pulls, and half the publishes and alias moves, are then killed at a random moment of their uninterrupted duration (the kill undoes all they wrote); the other publishes and alias moves start so that Azurite's next save falls at a random moment of them and are killed as soon as it has saved, which leaves them half-done for real (a claimed version, files uploaded).");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Registry: ModelRegistry through AzureBlobArtifactStore, 1 MiB blocks, 2 at a time, retries after 0.1, 0.2, 0.4, 0.8, 1, 1, 1, 1 s (with jitter); each publish uploads a fresh {modelMiB} MiB model file and a small run.json with a publish id of its own, which its retries repeat (PublishRequest.PublishId: a retry goes on with the version the publish claimed). Operations uninterrupted: {string.Join(", ", typical.Select(pair => $"{pair.Key} {pair.Value:F0} ms"))}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Kill points: random, as above; a point the operation had already passed (it had ended) kills nothing and another is drawn, so every kill counted below landed while the operation ran. Machine: {Environment.ProcessorCount} cores, load average {loadAverage} at the start.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Boundary kills: {StorageFaultCampaign.PublishThenPromote} is the nightly job's end (publish a candidate, latest follows; read champion; move champion to the candidate on the condition that it still names what was read). At each boundary below, the first time the operation reaches it, Azurite is made to save (so the state at the boundary survives the kill, as a real store keeps it), the store is checked to be in that state (the candidate visible, champion still the old one, latest moved only after the publish moved it), and Azurite is killed; half the kills are followed by a random 0–{maxOutageSeconds:0.#} s outage, half by {LongOutage.TotalSeconds:0} s, longer than the retries last, so that the operation fails while the store is down and is retried as a caller would (publish with the same publish id, read champion, promote).");
        text.AppendLine("- After each kill: the operation must complete once Azurite is back or fail with a store error, and then complete when retried (Azurite, unlike a real store, can lose the writes of its last seconds, acknowledged ones included: an operation that completed but finds the registry exactly as before it, every write lost, is retried too and counted apart); a publish that failed must be absent or, when it failed as its aliases moved, whole; a pull that failed must leave no manifest and no file that is not whole; a promotion that failed must leave champion on the old champion or the candidate. Once completed, one visible version holds the published file and the publish with its retries took one version number (a second is counted as a second version), and a promotion left champion and latest on the candidate. Then every visible version is pulled once with every file's size and SHA-256 checked (afterwards its files' sizes are checked again at every trial), and every alias must name a visible version.");
        text.AppendLine();
        text.AppendLine("| operation | kills mid-operation | of which after a metadata save within the operation | points drawn after it ended | completed once Azurite was back | completed, but Azurite lost its writes; completed when retried | failed with a store error; completed when retried | problems |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string operation in StorageFaultCampaign.Operations)
        {
            StorageFaultTrial[] mine = [.. trials.Where(trial => trial.Operation == operation)];
            bool Retried(StorageFaultTrial trial) => !trial.Problems.Any(problem => problem.Contains("failed again", StringComparison.Ordinal));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {operation} | {mine.Length} | {mine.Count(trial => trial.SavedMidway)} | {missed[operation]} | {mine.Count(trial => trial.RodeOut)} | "
                + $"{mine.Count(trial => trial.Undone && Retried(trial))} | {mine.Count(trial => trial.Failure is not null && Retried(trial))} | {mine.Sum(trial => trial.Problems.Count)} |");
        }
        text.AppendLine();
        text.AppendLine("Boundary kills (Azurite saved, then killed; the state checked at the kill):");
        text.AppendLine();
        text.AppendLine("| operation | boundary | kills | operation ended before the boundary (no kill) | state at the kill as the boundary means | completed once Azurite was back | failed with a store error; completed when retried | second versions | problems |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (KillPoint point in StorageFaultCampaign.KillPoints)
        {
            StorageFaultTrial[] mine = [.. targeted.Where(trial => trial.Operation == point.Operation && trial.Landed == point.Name)];
            text.AppendLine(CultureInfo.InvariantCulture, $"| {point.Operation} | {point.Name} | {mine.Length} | {missedBoundaries[point]} | "
                + $"{mine.Count(trial => !trial.Problems.Any(problem => problem.Contains("missed its boundary", StringComparison.Ordinal)))} | {mine.Count(trial => trial.RodeOut)} | "
                + $"{mine.Count(trial => trial.Failure is not null && !trial.Problems.Any(problem => problem.Contains("failed again", StringComparison.Ordinal)))} | "
                + $"{mine.Count(SecondVersion)} | {mine.Sum(trial => trial.Problems.Count)} |");
        }
        text.AppendLine();
        int halfVisible = everyProblem.Count(problem => problem.Contains("half-visible", StringComparison.Ordinal));
        int corrupt = everyProblem.Count(problem => problem.Contains("corrupt", StringComparison.Ordinal));
        int dangling = everyProblem.Count(problem => problem.Contains("which has no manifest", StringComparison.Ordinal));
        int second = trials.Concat(targeted).Count(SecondVersion);
        text.AppendLine(CultureInfo.InvariantCulture, $"- Kills landed mid-operation: **{trials.Count}**; at the boundaries: **{targeted.Count}**. Half-visible versions: **{halfVisible}**. Corrupt files: **{corrupt}**. Aliases naming a version without a manifest: **{dangling}**. Second versions of a publish: **{second}**. Problems of any kind: **{everyProblem.Count()}**.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- At the end: {published} versions visible, every one pulled whole; {unpublished} versions without a manifest (claimed by publishes that failed, invisible to readers; `registry delete` removes them).");
        foreach (string problem in trials.Concat(targeted).SelectMany(trial => trial.Problems.Select(problem => $"{trial.Operation} ({trial.Landed}): {problem}")).Concat(finalProblems))
        {
            text.AppendLine($"  - {problem}");
        }
        text.AppendLine();
        text.AppendLine("Where the kills landed (the store calls running at the kill; v is the version being written or read):");
        text.AppendLine();
        text.AppendLine("| operation | running at the kill | kills | killed at, ms (uninterrupted: median) |");
        text.AppendLine("|---|---|---:|---|");
        foreach (IGrouping<(string Operation, string Landed), StorageFaultTrial> place in trials
            .GroupBy(trial => (trial.Operation, trial.Landed))
            .OrderBy(group => StorageFaultCampaign.Operations.ToList().IndexOf(group.Key.Operation)).ThenByDescending(group => group.Count()))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {place.Key.Operation} | {place.Key.Landed} | {place.Count()} | "
                + $"{string.Join(", ", place.Select(trial => trial.KilledAtMs.ToString("F0", CultureInfo.InvariantCulture)))} ({place.First().TypicalMs:F0}) |");
        }
        return text.ToString();
    }

    // The operation's publish ended as two versions, or took two version numbers.
    private static bool SecondVersion(StorageFaultTrial trial) => trial.Problems.Any(problem => problem.Contains("second version", StringComparison.Ordinal));
}
