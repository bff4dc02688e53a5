using System.Globalization;

namespace Pipeline.Errors;

/// <summary>
/// A setting — a value of an options object, of a configuration file, or a text a parser was given for one — that does
/// not parse, is out of range or conflicts with another. Raised before anything is written; the message names the
/// setting in the library's words, the value and what is accepted, and the CLIs exit 2 (usage).
/// </summary>
public class InvalidSettingException : UserErrorException
{
    private readonly Func<Func<string, string>, string>? _problem;

    /// <param name="message">The setting, its value and what is accepted.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public InvalidSettingException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>An error about the setting <paramref name="setting"/>, worded by <paramref name="problem"/> (<see cref="ForSetting(string, Func{Func{string, string}, string}, Exception?)"/>).</summary>
    protected InvalidSettingException(string setting, Func<Func<string, string>, string> problem, Exception? innerException)
        : base($"{setting} {problem(LibraryName)}", innerException)
    {
        Setting = setting;
        _problem = problem;
    }

    /// <summary>
    /// The one setting at fault, by the name its options type is written with (<c>lr</c>, <c>batch-size</c>), when the
    /// error is about one; a CLI names its own option for it (<see cref="Describe"/>). Null otherwise.
    /// </summary>
    public string? Setting { get; }

    /// <summary>What is wrong with <see cref="Setting"/>, worded to follow its name: "must be a positive number, not -1.".</summary>
    public string? Problem => _problem?.Invoke(LibraryName);

    /// <summary>An error about one setting: the message is the setting's name followed by <paramref name="problem"/>.</summary>
    /// <param name="setting">The setting's name in its options type (<c>lr</c>).</param>
    /// <param name="problem">What is wrong, following the name: "must be a positive number, not -1.".</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public static InvalidSettingException ForSetting(string setting, string problem, Exception? innerException = null) =>
        new(setting, _ => problem, innerException);

    /// <summary>
    /// An error about one setting whose advice names other settings too: <paramref name="problem"/> is given how to name
    /// a setting and words the problem with it, so that a CLI can put its option names in (<see cref="Describe"/>).
    /// </summary>
    /// <param name="setting">The setting's name in its options type (<c>labelled-weight</c>).</param>
    /// <param name="problem">What is wrong, following the name, every setting it mentions named by its argument:
    /// <c>name =&gt; $"shapes the labelled term, which only {name("labels")} adds."</c>.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public static InvalidSettingException ForSetting(string setting, Func<Func<string, string>, string> problem, Exception? innerException = null) =>
        new(setting, problem, innerException);

    /// <summary>
    /// Throws an error about <paramref name="setting"/> and its <paramref name="value"/> unless <paramref name="accepted"/>:
    /// the range check of every options type. <paramref name="problem"/> says what is accepted, following the name: "must
    /// be a positive number" gives "lr must be a positive number, not -1.".
    /// </summary>
    public static void ThrowUnless(bool accepted, string setting, string problem, object? value)
    {
        if (!accepted)
        {
            throw ForSetting(setting, $"{problem}, not {Convert.ToString(value, CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>
    /// The message with every setting named by <paramref name="name"/> (a CLI's <c>lr</c> → <c>--lr</c>):
    /// <see cref="Setting"/> then its problem; <see cref="Exception.Message"/> when the error is about no one setting.
    /// </summary>
    public string Describe(Func<string, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Setting is { } setting && _problem is { } problem ? $"{name(setting)} {problem(name)}" : Message;
    }

    private static string LibraryName(string setting) => setting;
}
