using Pipeline.Runs;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// A pretraining run's <c>metrics.jsonl</c>: one <see cref="StepMetrics"/> per step in camelCase
/// (<see cref="JsonLinesLog{T}"/>, <see cref="RunJson.CamelCase"/>), flushed as written so a killed run keeps its curve.
/// </summary>
public static class MetricsLog
{
    /// <summary>
    /// Opens the log for appending after <paramref name="resumeStep"/> steps: lines of later steps (written by the
    /// run that was killed after its last checkpoint) are dropped, so the resumed run does not log them twice.
    /// </summary>
    public static JsonLinesLog<StepMetrics> Open(string path, long resumeStep) =>
        JsonLinesLog<StepMetrics>.Open(path, RunJson.CamelCase, keep: metrics => metrics.Step <= resumeStep);

    /// <summary>Every record of a log, in order.</summary>
    public static IReadOnlyList<StepMetrics> Read(string path) => JsonLinesLog<StepMetrics>.Read(path, RunJson.CamelCase);
}
