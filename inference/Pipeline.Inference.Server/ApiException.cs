namespace Pipeline.Inference.Server;

/// <summary>
/// A request the server refuses: the HTTP status and the body's <c>error</c> object (what was wrong, a stable code, the
/// request field at fault). Thrown inside endpoints, written by <see cref="ApiErrors"/>.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message, string? param = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Status = status;
        Code = code;
        Param = param;
    }

    /// <summary>The HTTP status: 4xx for the caller's mistakes, 429 and 503 for "try again".</summary>
    public int Status { get; }

    /// <summary>A stable snake_case name of the problem, such as <c>invalid_base64</c>; the metrics' failure reason.</summary>
    public string Code { get; }

    /// <summary>The request field at fault, such as <c>input[2]</c>, or null.</summary>
    public string? Param { get; }

    /// <summary>Seconds after which a retry may succeed (429, 503), or null.</summary>
    public int? RetryAfterSeconds { get; init; }
}
