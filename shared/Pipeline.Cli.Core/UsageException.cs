using Pipeline.Errors;

namespace Pipeline.Cli;

/// <summary>
/// The CLI's own <see cref="InvalidSettingException"/>: a command line or configuration it refuses before doing anything
/// (options that conflict, a value out of the range the option accepts, a run folder used without — or with —
/// <c>--resume</c>). Unlike a library's, its message names the option, the value and what is accepted;
/// <see cref="CommandErrors"/> prints it and exits <see cref="ExitCodes.Usage"/>.
/// </summary>
public sealed class UsageException(string message) : InvalidSettingException(message);
