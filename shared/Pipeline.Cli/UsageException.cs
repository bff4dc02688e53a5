namespace Pipeline.Cli;

/// <summary>
/// A command line or configuration the CLI refuses before doing anything: options that conflict, a value out of the
/// range the option accepts, a run folder used without (or with) <c>--resume</c>. The message names the option, the
/// value and what is accepted; <see cref="CliErrors"/> prints it and exits <see cref="ExitCodes.Usage"/>.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
