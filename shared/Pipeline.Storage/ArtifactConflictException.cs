namespace Pipeline.Storage;

/// <summary>A conditional write was refused: the key was taken (create-only) or held another version (If-Match). Nothing was written.</summary>
public sealed class ArtifactConflictException : ArtifactStoreException
{
    public ArtifactConflictException(string location, string key, ArtifactCondition condition, Exception? innerException = null)
        : base($"{location}: '{key}' was not written {condition}: {(condition.MustBeAbsent ? "it already exists" : "it was changed or deleted since it was read")}.",
            innerException)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Key = key;
        Condition = condition;
    }

    /// <summary>The key that was written.</summary>
    public string Key { get; }

    /// <summary>The condition that did not hold.</summary>
    public ArtifactCondition Condition { get; }
}
