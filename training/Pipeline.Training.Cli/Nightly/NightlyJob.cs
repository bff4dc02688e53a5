using System.Globalization;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli.Nightly;

/// <summary>
/// One night of a model's life: take the lease, resume the interrupted run or start one, pretrain (mirroring
/// checkpoints to the store), evaluate, export with the parity proof, draw the report, publish a candidate, promote it
/// to champion when it beats the champion by the margin. Pretraining, evaluation, export and report are one
/// <see cref="PretrainJob"/> from the configuration's typed options, said on the console as the pretrain verb says them
/// (<see cref="PretrainCommand.Run"/>); the evaluation comes before the export, so the model's metadata, and so the
/// registry, carries its figure.
/// </summary>
public sealed class NightlyJob
{
    private readonly NightlyConfig _config;
    private readonly IArtifactStore _store;
    private readonly ModelRegistry _registry;
    private readonly TimeProvider _time;

    public NightlyJob(NightlyConfig config, IArtifactStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        _config = config;
        _store = store;
        _registry = new ModelRegistry(store, time);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Runs the night; returns the exit code (<see cref="ExitCodes"/>, <see cref="TrainExitCodes"/>).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        string model = _config.Model;
        await using IArtifactLease? lease = await _store.TryAcquireLeaseAsync(NightlyState.LeaseKey(model), cancellationToken);
        if (lease is null)
        {
            Console.Error.WriteLine($"Another nightly run of {model} holds the lease {_store.Location}/{NightlyState.LeaseKey(model)}: nothing to do.");
            return TrainExitCodes.LeaseHeld;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        CancellationToken token = linked.Token;

        NightlyState state = await StartOrResumeAsync(token);
        var run = new RunDirectory(Path.Combine(_config.WorkDirectory, state.RunId));
        var mirror = new RunMirror(_store, run, NightlyState.RunPrefix(model, state.RunId));
        int restored = await mirror.RestoreAsync(token);
        bool resume = run.HasConfig;
        Console.Error.WriteLine(resume
            ? $"Resuming {state.RunId} (started {state.StartedUtc:u}) from {restored} files mirrored in {_store.Location}."
            : $"Starting {state.RunId} in {run.Path}.");

        int code = await PretrainMirroredAsync(run, mirror, resume, token);
        if (code == ExitCodes.Diverged)
        {
            Console.Error.WriteLine(
                $"nightly: {state.RunId} is kept, and the next run resumes it: lower \"lr\" in the configuration's \"pretrain\" first, the one setting a resumed run may change.");
        }
        if (code != ExitCodes.Success)
        {
            return code;
        }

        // The run's id as the publish id: a night that failed after its publish (as it promoted) is retried by the next
        // job, which resumes the run and goes on with the version published then instead of publishing a second one.
        PublishedModel candidate = await _registry.PublishAsync(RunPublication.Request(run, model, [ModelNames.Latest]) with { PublishId = state.RunId }, token);
        bool promoted = await PromoteIfBetterAsync(candidate, token);
        await WriteStateAsync(state with { CompletedUtc = _time.GetUtcNow(), Version = candidate.Manifest.Version.ToString(), Promoted = promoted }, token);
        await mirror.DeleteAsync(token);
        return ExitCodes.Success;
    }

    private async Task<NightlyState> StartOrResumeAsync(CancellationToken cancellationToken)
    {
        string key = NightlyState.Key(_config.Model);
        if (await _store.GetPropertiesAsync(key, cancellationToken) is not null)
        {
            using var read = new MemoryStream();
            await _store.GetAsync(key, read, cancellationToken);
            NightlyState? previous;
            try
            {
                previous = JsonSerializer.Deserialize<NightlyState>(read.ToArray(), RunJson.CamelCase);
            }
            catch (JsonException error)
            {
                throw new InvalidDataException($"The nightly job's state {_store.Location}/{key} is damaged ({error.Message}): restore it to resume "
                    + "the interrupted run, or delete it to start a new run (the next run then trains from the start).", error);
            }
            if (previous is { CompletedUtc: null })
            {
                return previous;
            }
        }
        DateTimeOffset now = _time.GetUtcNow();
        var state = new NightlyState("nightly-" + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture), now);
        await WriteStateAsync(state, cancellationToken);
        return state;
    }

    private Task WriteStateAsync(NightlyState state, CancellationToken cancellationToken) =>
        _store.PutAsync(NightlyState.Key(_config.Model), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(state, RunJson.CamelCase)),
            ArtifactCondition.None, cancellationToken);

    private async Task<int> PretrainMirroredAsync(RunDirectory run, RunMirror mirror, bool resume, CancellationToken cancellationToken)
    {
        // NightlyConfig.Validate checked these options before the lease was taken.
        var options = new PretrainJobOptions
        {
            Pretrain = _config.Pretrain,
            Output = run.Path,
            Resume = resume,
            Evaluation = _config.Evaluation.Resolve(),
        };
        using var trained = new CancellationTokenSource();
        Task mirroring = mirror.MirrorUntilAsync(TimeSpan.FromSeconds(_config.MirrorSeconds), trained.Token);
        int code;
        try
        {
            code = await CliErrors.RunAsync(() => Task.FromResult(PretrainCommand.Run(options, cancellationToken)), DivergedAdvice.ResumeWithLowerLearningRate);
        }
        finally
        {
            await trained.CancelAsync();
            // The last checkpoint goes up whatever happened: a diverged or cancelled run resumes from it.
            await mirroring;
        }
        return code;
    }

    private async Task<bool> PromoteIfBetterAsync(PublishedModel candidate, CancellationToken cancellationToken)
    {
        string metric = _config.Metric;
        ModelManifest manifest = candidate.Manifest;
        if (!manifest.Metrics.TryGetValue(metric, out double score))
        {
            throw new InvalidOperationException($"{candidate.Reference} has no {metric} figure to compare: its metrics are {string.Join(", ", manifest.Metrics.Keys)}.");
        }
        ModelAlias? champion = await _registry.ReadAliasAsync(manifest.Name, ModelNames.Champion, cancellationToken);
        if (champion?.Version == manifest.Version)
        {
            // A retried night whose first attempt promoted and then failed (writing state.json): compared with itself it
            // would not beat the champion by the margin, yet it is the champion.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"nightly: {candidate.Reference} {metric} {score:P2} is the champion already (promoted by the attempt that failed after it)"));
            return true;
        }
        if (champion is not null)
        {
            ModelManifest current = await _registry.GetManifestAsync(ModelReference.ForVersion(manifest.Name, champion.Version), cancellationToken);
            if (current.Metrics.TryGetValue(metric, out double best) && score < best + _config.Promotion.Margin)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"nightly: {candidate.Reference} {metric} {score:P2} does not beat champion {champion.Version} ({best:P2}) by {_config.Promotion.Margin:P2}; champion kept"));
                return false;
            }
        }
        // The expected current champion makes the move conditional: a promotion made meanwhile is not overwritten.
        await _registry.PromoteAsync(candidate.Reference, ModelNames.Champion, champion?.Version, cancellationToken);
        string previous = champion is null ? "the first" : $"was {champion.Version}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nightly: {candidate.Reference} {metric} {score:P2} is the new champion ({previous})"));
        return true;
    }
}
