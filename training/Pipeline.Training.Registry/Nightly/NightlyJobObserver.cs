using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// What the nightly job (<see cref="NightlyJob"/>) tells its caller as it goes, each stage as soon as it is done, on the
/// job's thread; every callback is optional.
/// </summary>
public sealed record NightlyJobObserver
{
    /// <summary>Told the run the night trains, once the lease is taken and the run restored from the store.</summary>
    public Action<NightlyStart>? Started { get; init; }

    /// <summary>Told the pretraining's stages, as the pretraining job tells them.</summary>
    public PretrainJobObserver? Pretrain { get; init; }

    /// <summary>Told the trained, evaluated, exported and reported run, before it is published.</summary>
    public Action<PretrainJobResult>? Pretrained { get; init; }

    /// <summary>Told the published candidate's judgement against the champion, once the champion alias is where it decided.</summary>
    public Action<ChampionDecision>? Decided { get; init; }
}
