using Pipeline.Errors;

namespace Pipeline.Cli;

/// <summary>
/// Turns the errors a user can cause into one line on stderr and an exit code from <see cref="ExitCodes"/>: 2 for an
/// <see cref="InvalidSettingException"/> (a <see cref="UsageException"/> among them), 5 for a failed parity check, 1 for
/// any other <see cref="UserErrorException"/>, the BCL's <see cref="InvalidDataException"/> for a malformed file and a
/// file or folder the user named that does not exist. Anything else is a bug: its stack trace goes to stderr and the
/// exit code is 1. Cancellation (SIGINT, SIGTERM: <see cref="CliInvocation"/>) exits 130. A CLI whose libraries raise
/// errors of their own (the store's, training's: <c>CliErrors</c> in Pipeline.Cli) names their codes first.
/// </summary>
public static class CommandErrors
{
    /// <summary>Runs a command body, reporting user errors plainly and bugs with their stack trace.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="classify">
    /// The exit code and message of an error the rules above do not know, or of one they should treat otherwise; null
    /// leaves the error to them.
    /// </param>
    public static async Task<int> RunAsync(Func<Task<int>> body, Func<Exception, (int ExitCode, string Message)?>? classify = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception error) when ((classify?.Invoke(error) ?? Classify(error)) is (int code, string message))
        {
            await Console.Error.WriteLineAsync("error: " + message);
            return code;
        }
        catch (Exception bug)
        {
            await Console.Error.WriteLineAsync($"internal error (a bug; please report it with this trace): {bug}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The exit code and message of a user error, or null for an exception that is a bug.</summary>
    private static (int ExitCode, string Message)? Classify(Exception error) => error switch
    {
        InvalidSettingException => (ExitCodes.Usage, error.Message),
        ParityException => (ExitCodes.ParityFailed, error.Message),
        UserErrorException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException => (ExitCodes.Failure, error.Message),
        _ => null,
    };
}
