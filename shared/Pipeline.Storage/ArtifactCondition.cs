namespace Pipeline.Storage;

/// <summary>The precondition of a write: none, "only if absent" (HTTP <c>If-None-Match: *</c>) or "only this version" (<c>If-Match</c>).</summary>
public sealed record ArtifactCondition
{
    private ArtifactCondition(bool mustBeAbsent, string? etag)
    {
        MustBeAbsent = mustBeAbsent;
        ETag = etag;
    }

    /// <summary>Write whatever is there.</summary>
    public static ArtifactCondition None { get; } = new(false, null);

    /// <summary>Write only if nothing is stored under the key (create-only).</summary>
    public static ArtifactCondition IfAbsent { get; } = new(true, null);

    /// <summary>Whether the write needs the key to be free.</summary>
    public bool MustBeAbsent { get; }

    /// <summary>The ETag the stored blob must have, or null.</summary>
    public string? ETag { get; }

    /// <summary>Write only if the stored blob is the version with this ETag (read-modify-write without lost updates).</summary>
    public static ArtifactCondition IfMatch(string etag)
    {
        ArgumentException.ThrowIfNullOrEmpty(etag);
        return new ArtifactCondition(false, etag);
    }

    public override string ToString() => MustBeAbsent ? "if absent" : ETag is null ? "unconditionally" : $"if ETag is {ETag}";
}
