namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// <c>nightly/MODEL/state.json</c> in the store: the run the job is on. A run without <see cref="CompletedUtc"/> was
/// interrupted, and the next job resumes it from the checkpoint mirrored beside it.
/// </summary>
public sealed record NightlyState(string RunId, DateTimeOffset StartedUtc, DateTimeOffset? CompletedUtc = null, string? Version = null,
    bool Promoted = false)
{
    /// <summary>The store folder of a nightly model.</summary>
    public static string Prefix(string model) => $"nightly/{model}/";

    public static string Key(string model) => Prefix(model) + "state.json";

    public static string LeaseKey(string model) => Prefix(model) + "lease";

    /// <summary>Where a run's files are mirrored.</summary>
    public static string RunPrefix(string model, string runId) => $"{Prefix(model)}runs/{runId}/";
}
