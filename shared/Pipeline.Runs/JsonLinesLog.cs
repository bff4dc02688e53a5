using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Pipeline.Runs;

/// <summary>
/// A run's <c>metrics.jsonl</c>: one JSON record a line, appended and flushed as written, so a killed run keeps every
/// record it wrote.
/// </summary>
/// <typeparam name="T">The record of one line: a step's metrics, an epoch's.</typeparam>
[RequiresUnreferencedCode("Serialises with reflection.")]
[RequiresDynamicCode("Serialises with reflection.")]
public sealed class JsonLinesLog<T> : IDisposable
    where T : class
{
    private readonly StreamWriter _writer;
    private readonly JsonSerializerOptions _options;

    private JsonLinesLog(StreamWriter writer, JsonSerializerOptions options)
    {
        _writer = writer;
        _options = options;
    }

    /// <summary>
    /// Opens the log at <paramref name="path"/> for appending, creating it when missing. With <paramref name="keep"/>, the
    /// log is first cut down (whole or not at all) to the records it keeps, dropping any line cut short by a kill: a
    /// resumed run drops the records of the steps it trains again. A kept record with snake_case names (a log written
    /// before the one casing, <see cref="LegacyNames"/>) is written again as <paramref name="options"/> write it, so that
    /// the log keeps one casing; the others stay as written.
    /// </summary>
    /// <param name="path">The file; its folder must exist.</param>
    /// <param name="options">How the records are named and written (<see cref="RunJson"/>).</param>
    /// <param name="keep">Which of the records already there to keep; null keeps the file as it is.</param>
    public static JsonLinesLog<T> Open(string path, JsonSerializerOptions options, Func<T, bool>? keep = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (keep is not null && File.Exists(path))
        {
            var kept = new List<string>();
            foreach (string line in File.ReadLines(path))
            {
                if (TryRead(line, options) is var (record, legacy) && keep(record))
                {
                    kept.Add(legacy ? RunJson.OneLine(record, options) : line);
                }
            }
            AtomicFile.Write(path, stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                foreach (string line in kept)
                {
                    writer.WriteLine(line);
                }
            });
        }
        var appending = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        return new JsonLinesLog<T>(appending, options);
    }

    /// <summary>Appends one record, on one line, and flushes it.</summary>
    public void Write(T record) => _writer.WriteLine(RunJson.OneLine(record, _options));

    /// <summary>Every record of the log at <paramref name="path"/>, in order; blank lines are skipped.</summary>
    /// <exception cref="JsonException">A line is not a record.</exception>
    /// <exception cref="InvalidDataException">A line holds null.</exception>
    public static IReadOnlyList<T> Read(string path, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => RunJson.Read<T>(line, options) ?? throw new InvalidDataException($"{path}: an empty record."))
            .ToArray();
    }

    public void Dispose() => _writer.Dispose();

    // The record of a line, and whether it has legacy names; null for a line cut short by a kill (dropped) or one that holds null.
    private static (T Record, bool Legacy)? TryRead(string line, JsonSerializerOptions options)
    {
        try
        {
            return RunJson.Read<T>(line, options, out bool legacy) is { } record ? (record, legacy) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
