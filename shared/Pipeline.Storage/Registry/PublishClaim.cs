using System.Text.Json;
using Pipeline.Runs;

namespace Pipeline.Storage.Registry;

/// <summary>
/// <c>models/NAME/vN/claim.json</c>: the first blob a publish writes, create-only, so that exactly one publish owns the
/// number vN. A version with a claim and no manifest is an abandoned (or running) publish.
/// </summary>
/// <param name="PublishId">The publish's id (<see cref="PublishRequest.PublishId"/>, or a fresh one); the manifest repeats it.</param>
/// <param name="StartedUtc">When the publish began.</param>
/// <param name="Host">The machine that publishes.</param>
internal sealed record PublishClaim(string PublishId, DateTimeOffset StartedUtc, string Host)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RunJson.CamelCase);

    public static PublishClaim? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<PublishClaim>(json, RunJson.CamelCase);
        }
        catch (JsonException)
        {
            return null; // not ours to read: some other publish's, or damaged
        }
    }
}
