namespace Pipeline.Errors;

/// <summary>
/// A failure caused by what the pipeline was given or pointed at — a file, a dataset, a model, a setting, a run folder,
/// a store — rather than by its code. The message says what is wrong and what to do, and names no command-line option;
/// the CLIs print it alone and choose the exit code by the subclass (1 for this type and any subclass that says nothing
/// else). Any other exception reaching a CLI is a bug and prints its stack trace. Throw the narrowest subclass that
/// fits; this type itself is for a mistake no subclass names, such as an address another program listens on.
/// </summary>
public class UserErrorException : Exception
{
    /// <param name="message">What is wrong, with the value or path at fault, and what to do.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public UserErrorException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
