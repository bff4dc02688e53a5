using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Runs;

namespace Pipeline.Storage.Registry;

/// <summary>
/// <c>models/NAME/aliases/ALIAS.json</c>: the version an alias names now, and its recent moves, newest first. Every
/// change is a conditional write against the <see cref="ETag"/> it was read with, so concurrent writers never lose an
/// update.
/// </summary>
public sealed record ModelAlias
{
    /// <summary>How many past moves an alias keeps.</summary>
    public const int HistoryLimit = 20;

    public required string Name { get; init; }

    public required string Alias { get; init; }

    public required ModelVersion Version { get; init; }

    public required DateTimeOffset UpdatedUtc { get; init; }

    /// <summary>Past moves, newest first (the current one included), at most <see cref="HistoryLimit"/>.</summary>
    public required IReadOnlyList<AliasChange> History { get; init; }

    /// <summary>The store's ETag of the alias blob this was read from or written as; not part of the JSON.</summary>
    [JsonIgnore]
    public string ETag { get; init; } = "";

    /// <summary>This alias moved to <paramref name="version"/> now, with the move at the head of its history.</summary>
    internal static ModelAlias Moved(string name, string alias, ModelAlias? current, ModelVersion version, DateTimeOffset now) => new()
    {
        Name = name,
        Alias = alias,
        Version = version,
        UpdatedUtc = now,
        History = [new AliasChange(version, now), .. (current?.History ?? []).Take(HistoryLimit - 1)],
    };

    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RunJson.CamelCase);

    /// <exception cref="InvalidDataException">The JSON is not an alias of <paramref name="name"/> named <paramref name="alias"/>.</exception>
    internal static ModelAlias FromJson(ReadOnlySpan<byte> json, string name, string alias, string etag)
    {
        ModelAlias? read;
        try
        {
            read = JsonSerializer.Deserialize<ModelAlias>(json, RunJson.CamelCase);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"The alias {name}@{alias} is not valid JSON of an alias: {error.Message}", error);
        }
        if (read is null || read.Name != name || read.Alias != alias || read.History is null)
        {
            throw new InvalidDataException($"The alias file of {name}@{alias} describes another alias, or is empty: promote the alias again.");
        }
        return read with { ETag = etag };
    }
}
