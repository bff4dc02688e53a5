namespace Pipeline.Storage;

/// <summary>
/// The keys every store accepts: '/'-separated segments of printable characters, none empty, none starting with '.',
/// no backslash, at most 1024 characters; the same key then means the same blob in a folder and in a container.
/// </summary>
public static class ArtifactKey
{
    /// <summary>The longest key accepted (Azure's limit for a blob name).</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> saying what is wrong with <paramref name="key"/>.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ValidateSegments(key, key.Split('/'), nameof(key));
    }

    /// <summary>Like <see cref="Validate"/>, but the last segment may be empty or partial: <c>models/</c>, <c>models/fa</c>, or the empty prefix.</summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return;
        }
        string[] segments = prefix.Split('/');
        ValidateSegments(prefix, segments[^1].Length == 0 ? segments[..^1] : segments, nameof(prefix));
    }

    /// <summary>Joins segments with '/'.</summary>
    public static string Join(params string[] segments) => string.Join('/', segments);

    private static void ValidateSegments(string key, string[] segments, string parameter)
    {
        if (key.Length > MaxLength)
        {
            throw new ArgumentException($"The key '{key[..64]}…' is {key.Length} characters long; at most {MaxLength} are allowed.", parameter);
        }
        foreach (string segment in segments)
        {
            if (segment.Length == 0 || segment[0] == '.')
            {
                throw new ArgumentException(
                    $"The key '{key}' has an empty segment or one starting with '.': keys are '/'-separated names such as models/encoder/v1/encoder.onnx.",
                    parameter);
            }
            if (segment.Any(c => c == '\\' || char.IsControl(c)))
            {
                throw new ArgumentException($"The key '{key}' holds a backslash or a control character.", parameter);
            }
        }
    }
}
