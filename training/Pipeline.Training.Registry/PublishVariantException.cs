using Pipeline.Errors;

namespace Pipeline.Training.Registry;

/// <summary>
/// A precision variant given to <see cref="RunPublication.PublishAsync"/> that a version cannot hold: a file that is
/// missing or is not a variant, a second variant of one precision, or a variant not made from the run's encoder.
/// Nothing was published. The message begins with the file or files at fault.
/// </summary>
public sealed class PublishVariantException : UserErrorException
{
    /// <param name="paths">The variant files at fault, as they were given.</param>
    /// <param name="message">What is wrong, beginning with those files, and what to do.</param>
    /// <param name="innerException">The error that revealed the problem, if any.</param>
    public PublishVariantException(IReadOnlyList<string> paths, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Paths = paths;
    }

    /// <summary>The variant files at fault, as they were given: one, or the two of one precision.</summary>
    public IReadOnlyList<string> Paths { get; }
}
