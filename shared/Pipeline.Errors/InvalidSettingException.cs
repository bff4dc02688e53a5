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

    /// <summary>
    /// The one setting at fault, by the name its options type is written with (<c>lr</c>, <c>batch-size</c>), when the
    /// error is about one; a CLI names its own option for it (<see cref="ForSetting"/>). Null otherwise.
    /// </summary>
    public string? Setting { get; private init; }

    /// <summary>What is wrong with <see cref="Setting"/>, worded to follow its name: "must be a positive number, not -1.".</summary>
    public string? Problem { get; private init; }

    /// <summary>An error about one setting: the message is the setting's name followed by <paramref name="problem"/>.</summary>
    /// <param name="setting">The setting's name in its options type (<c>lr</c>).</param>
    /// <param name="problem">What is wrong, following the name: "must be a positive number, not -1.".</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public static InvalidSettingException ForSetting(string setting, string problem, Exception? innerException = null) =>
        new($"{setting} {problem}", innerException) { Setting = setting, Problem = problem };
}
