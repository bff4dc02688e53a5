using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// One night of a model's life: take the lease, resume the interrupted run or start one, pretrain (mirroring
/// checkpoints to the store), evaluate, export with the parity proof, draw the report, publish a candidate
/// (<see cref="RunPublication"/>), promote it to champion when it beats the champion by the margin. Pretraining,
/// evaluation, export and report are one <see cref="PretrainJob"/> from the configuration's typed options; the evaluation
/// comes before the export, so the model's metadata, and so the registry, carries its figure. What it does is told to a
/// <see cref="NightlyJobObserver"/>; how it ended is a <see cref="NightlyOutcome"/>.
/// </summary>
/// <example>
/// <code>
/// NightlyConfig config = NightlyConfig.Load("nightly.json");
/// NightlyOutcome outcome = await new NightlyJob(config, ArtifactStoreUri.Open(config.Registry)).RunAsync();
/// </code>
/// </example>
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

    /// <summary>Runs the night, to its end.</summary>
    /// <param name="observer">Told each stage as it is done.</param>
    /// <param name="cancellationToken">Stops training after the current step, whose checkpoint is mirrored first; the next night resumes from it.</param>
    /// <returns>How the night ended: completed, the lease held by another run, or diverged.</returns>
    /// <exception cref="InvalidDataException">The job's state in the store is damaged; nothing was touched.</exception>
    /// <exception cref="Pipeline.Errors.InvalidSettingException">A pretraining setting cannot run here (the device); nothing was trained.</exception>
    /// <exception cref="Pipeline.Errors.ParityException">ONNX Runtime does not match TorchSharp on the exported encoder.</exception>
    /// <exception cref="ArtifactStoreException">The store could not be reached after every retry; the next night goes on from where this one stopped.</exception>
    public async Task<NightlyOutcome> RunAsync(NightlyJobObserver? observer = null, CancellationToken cancellationToken = default)
    {
        string model = _config.Model;
        IArtifactLease? lease = await _store.TryAcquireLeaseAsync(NightlyState.LeaseKey(model), cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return new NightlyOutcome.LeaseHeld($"{_store.Location}/{NightlyState.LeaseKey(model)}");
        }
        await using ConfiguredAsyncDisposable held = lease.ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        CancellationToken token = linked.Token;

        NightlyState state = await StartOrResumeAsync(token).ConfigureAwait(false);
        var run = new RunDirectory(Path.Combine(_config.WorkDirectory, state.RunId));
        var mirror = new RunMirror(_store, run, NightlyState.RunPrefix(model, state.RunId));
        int restored = await mirror.RestoreAsync(token).ConfigureAwait(false);
        bool resume = run.HasConfig;
        observer?.Started?.Invoke(new NightlyStart(state, run, resume, restored));

        PretrainJobResult pretrained;
        try
        {
            pretrained = await PretrainMirroredAsync(run, mirror, resume, observer?.Pretrain, token).ConfigureAwait(false);
        }
        catch (TrainingDivergedException error)
        {
            return new NightlyOutcome.Diverged(state, error);
        }
        observer?.Pretrained?.Invoke(pretrained);

        // The run's id as the publish id: a night that failed after its publish (as it promoted) is retried by the next
        // job, which resumes the run and goes on with the version published then instead of publishing a second one.
        PublishedModel candidate = await RunPublication.PublishAsync(_registry, run, model, [ModelNames.Latest], [], state.RunId, token)
            .ConfigureAwait(false);
        ChampionDecision decision = await PromoteIfBetterAsync(candidate, token).ConfigureAwait(false);
        observer?.Decided?.Invoke(decision);
        NightlyState completed = state with
        {
            CompletedUtc = _time.GetUtcNow(), Version = candidate.Manifest.Version.ToString(), Promoted = decision.IsChampion,
        };
        await WriteStateAsync(completed, token).ConfigureAwait(false);
        await mirror.DeleteAsync(token).ConfigureAwait(false);
        return new NightlyOutcome.Completed(completed, candidate, decision);
    }

    private async Task<NightlyState> StartOrResumeAsync(CancellationToken cancellationToken)
    {
        string key = NightlyState.Key(_config.Model);
        if (await _store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            using var read = new MemoryStream();
            await _store.GetAsync(key, read, cancellationToken).ConfigureAwait(false);
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
        await WriteStateAsync(state, cancellationToken).ConfigureAwait(false);
        return state;
    }

    private Task WriteStateAsync(NightlyState state, CancellationToken cancellationToken) =>
        _store.PutAsync(NightlyState.Key(_config.Model), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(state, RunJson.CamelCase)),
            ArtifactCondition.None, cancellationToken);

    private async Task<PretrainJobResult> PretrainMirroredAsync(RunDirectory run, RunMirror mirror, bool resume, PretrainJobObserver? observer,
        CancellationToken cancellationToken)
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
        try
        {
            return new PretrainJob().Run(options, observer, cancellationToken);
        }
        finally
        {
            await trained.CancelAsync().ConfigureAwait(false);
            // The last checkpoint goes up whatever happened: a diverged or cancelled run resumes from it.
            await mirroring.ConfigureAwait(false);
        }
    }

    private async Task<ChampionDecision> PromoteIfBetterAsync(PublishedModel candidate, CancellationToken cancellationToken)
    {
        string metric = _config.Metric;
        double margin = _config.Promotion.Margin;
        ModelManifest manifest = candidate.Manifest;
        if (!manifest.Metrics.TryGetValue(metric, out double score))
        {
            throw new InvalidOperationException($"{candidate.Reference} has no {metric} figure to compare: its metrics are {string.Join(", ", manifest.Metrics.Keys)}.");
        }
        ModelAlias? champion = await _registry.ReadAliasAsync(manifest.Name, ModelNames.Champion, cancellationToken).ConfigureAwait(false);
        var decision = new ChampionDecision(candidate.Reference, metric, score, ChampionVerdict.Promoted, champion?.Version, null, margin);
        if (champion?.Version == manifest.Version)
        {
            // A retried night whose first attempt promoted and then failed (writing state.json): compared with itself it
            // would not beat the champion by the margin, yet it is the champion.
            return decision with { Verdict = ChampionVerdict.AlreadyChampion, ChampionScore = score };
        }
        if (champion is not null)
        {
            ModelManifest current = await _registry.GetManifestAsync(ModelReference.ForVersion(manifest.Name, champion.Version), cancellationToken)
                .ConfigureAwait(false);
            if (current.Metrics.TryGetValue(metric, out double best))
            {
                decision = decision with { ChampionScore = best };
                if (score < best + margin)
                {
                    return decision with { Verdict = ChampionVerdict.Kept };
                }
            }
        }
        // The expected current champion makes the move conditional: a promotion made meanwhile is not overwritten.
        await _registry.PromoteAsync(candidate.Reference, ModelNames.Champion, champion?.Version, cancellationToken).ConfigureAwait(false);
        return decision;
    }
}
