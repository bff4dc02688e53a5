namespace Pipeline.Errors;

/// <summary>
/// A setting — a value of an options object, of a configuration file, or a text a parser was given for one — that does
/// not parse, is out of range or conflicts with another. Raised before anything is written; the message names the
/// setting in the library's words, the value and what is accepted, and the CLIs exit 2 (usage).
/// </summary>
public class InvalidSettingException : UserErrorException
{
    /// <param name="message">The setting, its value and what is accepted.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public InvalidSettingException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
