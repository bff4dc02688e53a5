namespace Pipeline.Storage;

/// <summary>What a store knows about one blob without reading it.</summary>
/// <param name="Key">The blob's key.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="ETag">
/// An opaque version tag that changes on every write of the key; give it to <see cref="ArtifactCondition.IfMatch"/>
/// to replace exactly this version.
/// </param>
/// <param name="LastModifiedUtc">When it was last written.</param>
public sealed record ArtifactProperties(string Key, long Length, string ETag, DateTimeOffset LastModifiedUtc);
