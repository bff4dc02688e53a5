using Pipeline.Errors;

namespace Pipeline.Inference;

/// <summary>
/// Thrown when input to a model is unusable (wrong size, not finite, outside [0, 1], not an image, too large); its
/// <see cref="Code"/> names the kind of problem for machines and its message says what was wrong and what to send.
/// </summary>
public sealed class InvalidInputException : UserErrorException
{
    /// <param name="code">A stable snake_case name of the problem, such as <c>non_finite_value</c>.</param>
    /// <param name="message">What was wrong, with the offending value or position, and what is accepted.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public InvalidInputException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
    }

    /// <summary>A stable snake_case name of the problem, such as <c>non_finite_value</c> or <c>wrong_size</c>.</summary>
    public string Code { get; }
}
