using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;

namespace Pipeline.Cli;

/// <summary>
/// Runs a CLI's command line with the exit codes of <see cref="ExitCodes"/>: a command line that does not parse (an
/// unknown verb or option, a missing or refused value) exits <see cref="ExitCodes.Usage"/> with its errors and no help
/// page; SIGINT (Ctrl+C) and SIGTERM (Kubernetes stopping a pod) cancel the token every verb observes, so a long verb
/// stops at its next safe point — training after writing the checkpoint of its last finished step — and exits
/// <see cref="ExitCodes.Cancelled"/> (<see cref="CommandErrors"/>). A second signal ends the process at once.
/// </summary>
public static class CliInvocation
{
    /// <summary>Parses and runs <paramref name="args"/>, cancelled by SIGINT and SIGTERM; returns the exit code.</summary>
    public static async Task<int> RunAsync(RootCommand command, string[] args)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var cancellation = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            // The first signal asks the verb to stop cleanly; the default action (ending the process) is kept for the
            // next one, for someone who will not wait.
            context.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        }
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await InvokeAsync(command.Parse(args), cancellation.Token);
    }

    /// <summary>
    /// Runs a parsed command line under <paramref name="cancellationToken"/> (a verb that runs other verbs, such as the
    /// nightly job, calls this); returns the exit code, <see cref="ExitCodes.Usage"/> when it did not parse.
    /// </summary>
    public static async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Action is ParseErrorAction errors)
        {
            // The errors name the option, the value and what is accepted; a help page after them would bury them.
            errors.ShowHelp = false;
        }
        // System.CommandLine's own signal handling is off: it registers only once a verb's action has returned its task
        // (after the whole run, for a verb that works synchronously), and it ends the process 2 s after a signal,
        // whatever the verb is still writing. (A configuration per call: it keeps the console writers it first sees.)
        int code = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : code;
    }
}
