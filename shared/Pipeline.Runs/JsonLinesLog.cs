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
    /// resumed run drops the records of the steps it trains again.
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
            string[] kept = File.ReadLines(path).Where(line => TryRead(line, options) is { } record && keep(record)).ToArray();
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
            .Select(line => JsonSerializer.Deserialize<T>(line, options) ?? throw new InvalidDataException($"{path}: an empty record."))
            .ToArray();
    }

    public void Dispose() => _writer.Dispose();

    private static T? TryRead(string line, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line, options);
        }
        catch (JsonException)
        {
            // A line cut short by a kill: dropped.
            return default;
        }
    }
}
