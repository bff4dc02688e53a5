using System.Globalization;
using System.Text.Json;
using Pipeline.Runs;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// The run's <c>metrics.jsonl</c>: one JSON object per step, flushed as written so a killed run keeps its curve.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    private MetricsLog(StreamWriter writer) => _writer = writer;

    /// <summary>
    /// Opens the log for appending after <paramref name="resumeStep"/> steps: lines of later steps (written by the
    /// run that was killed after its last checkpoint) are dropped, so the resumed run does not log them twice.
    /// </summary>
    public static MetricsLog Open(string path, long resumeStep)
    {
        if (File.Exists(path))
        {
            string[] kept = File.ReadLines(path).Where(line => StepOf(line) is long step && step <= resumeStep).ToArray();
            AtomicFile.Write(path, stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                foreach (string line in kept)
                {
                    writer.WriteLine(line);
                }
            });
        }
        var writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        return new MetricsLog(writer);
    }

    /// <summary>Appends one step's record.</summary>
    public void Write(StepMetrics metrics) =>
        _writer.WriteLine(RunJson.OneLine(metrics, RunJson.CamelCase));

    /// <summary>Every record of a log, in order.</summary>
    public static IReadOnlyList<StepMetrics> Read(string path) =>
        File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<StepMetrics>(line, RunJson.CamelCase)
                ?? throw new InvalidDataException($"{path}: an empty record."))
            .ToArray();

    public void Dispose() => _writer.Dispose();

    private static long? StepOf(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("step", out JsonElement step) ? step.GetInt64() : null;
        }
        catch (JsonException)
        {
            // A line cut short by a kill: drop it.
            return null;
        }
    }
}
