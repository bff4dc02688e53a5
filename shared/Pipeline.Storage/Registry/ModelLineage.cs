using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Storage.Registry;

/// <summary>Where a model version came from: enough to find its run and rebuild it.</summary>
/// <param name="Run">The training run (its folder's name).</param>
/// <param name="Config">The run's configuration as it was written (<c>run.json</c>), or null (not written) when there is none.</param>
/// <param name="SourceCommit">The source commit of the code that trained it, when known (else null, not written).</param>
/// <param name="CreatedUtc">When the artifact was made (the export), not when it was published.</param>
/// <param name="Properties">Anything else that identifies the artifact, such as the checkpoint and its SHA-256.</param>
public sealed record ModelLineage(
    string Run,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Config,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SourceCommit,
    DateTimeOffset CreatedUtc,
    IReadOnlyDictionary<string, string> Properties);
