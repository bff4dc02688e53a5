using System.CommandLine;
using System.Globalization;
using Pipeline.Cli;
using Pipeline.Storage;
using Pipeline.Training.Registry.Nightly;

namespace Pipeline.Training.Cli;

/// <summary>
/// The <c>nightly</c> verb: <see cref="NightlyJob"/> from a configuration file, said on the console, its outcome as an
/// exit code a scheduler can act on (<see cref="ExitCodes"/>, <see cref="TrainExitCodes"/>).
/// </summary>
public static class NightlyCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "The nightly configuration (nightly.json): registry, model, pretrain options, evaluation, promotion margin.",
            Required = true,
        };
        var command = new Command("nightly",
            "Pretrain, evaluate, export, publish and maybe promote one candidate; resumes its own interrupted run. Exit codes: 0 done, 1 failed, 2 invalid configuration, 3 another run holds the lease, 4 diverged, 5 parity failed, 75 store unreachable, 130 cancelled.")
        {
            config,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            NightlyConfig nightly = NightlyConfig.Load(parse.GetValue(config)!);
            IArtifactStore store = ArtifactStoreUri.Open(nightly.Registry);
            NightlyOutcome outcome = await OptionErrors.NamedAsync(() => new NightlyJob(nightly, store).RunAsync(Observer(store), cancellationToken));
            return ExitCode(outcome, nightly.Model);
        }));
        return command;
    }

    /// <summary>What the night says on the console: the run it trains, the pretraining as the pretrain verb says it, the champion's fate.</summary>
    private static NightlyJobObserver Observer(IArtifactStore store) => new()
    {
        Started = start => Console.Error.WriteLine(start.Resumed
            ? $"Resuming {start.State.RunId} (started {start.State.StartedUtc:u}) from {start.RestoredFiles} files mirrored in {store.Location}."
            : $"Starting {start.State.RunId} in {start.Run.Path}."),
        Pretrain = PretrainCommand.ConsoleObserver(),
        Pretrained = PretrainCommand.Print,
        Decided = decision => Console.WriteLine(Describe(decision)),
    };

    private static string Describe(ChampionDecision decision) => decision.Verdict switch
    {
        ChampionVerdict.AlreadyChampion => string.Create(CultureInfo.InvariantCulture,
            $"nightly: {decision.Candidate} {decision.Metric} {decision.Score:P2} is the champion already (promoted by the attempt that failed after it)"),
        ChampionVerdict.Kept => string.Create(CultureInfo.InvariantCulture,
            $"nightly: {decision.Candidate} {decision.Metric} {decision.Score:P2} does not beat champion {decision.Champion} ({decision.ChampionScore:P2}) by {decision.Margin:P2}; champion kept"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"nightly: {decision.Candidate} {decision.Metric} {decision.Score:P2} is the new champion ({(decision.Champion is { } champion ? $"was {champion}" : "the first")})"),
    };

    /// <summary>The exit code of a night that ended as planned, with what it says on stderr when it did nothing or diverged.</summary>
    private static int ExitCode(NightlyOutcome outcome, string model)
    {
        switch (outcome)
        {
            case NightlyOutcome.LeaseHeld held:
                Console.Error.WriteLine($"Another nightly run of {model} holds the lease {held.Lease}: nothing to do.");
                return TrainExitCodes.LeaseHeld;
            case NightlyOutcome.Diverged diverged:
                Console.Error.WriteLine($"error: {diverged.Error.Message} {DivergedAdvice.ResumeWithLowerLearningRate}");
                Console.Error.WriteLine(
                    $"nightly: {diverged.State.RunId} is kept, and the next run resumes it: lower \"lr\" in the configuration's \"pretrain\" first, the one setting a resumed run may change.");
                return ExitCodes.Diverged;
            case NightlyOutcome.Completed:
                return ExitCodes.Success;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a nightly outcome");
        }
    }
}
