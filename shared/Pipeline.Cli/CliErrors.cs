using Pipeline.Errors;
using Pipeline.Onnx.Optimizers;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>
/// Turns the errors a user can cause — every <see cref="UserErrorException"/> the libraries raise, the BCL's
/// <see cref="InvalidDataException"/> for a malformed file, and a file or folder the user named that does not exist — into
/// one line on stderr and an exit code from
/// <see cref="ExitCodes"/>: 2 for an <see cref="InvalidSettingException"/> (a <see cref="UsageException"/> among them),
/// 4 for a diverged training, 5 for a failed parity check, 75 when the store could not be reached, 1 otherwise. Anything
/// else is a bug: its stack trace goes to stderr and the exit code is 1. Cancellation (SIGINT, SIGTERM:
/// <see cref="CliInvocation"/>) exits 130.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly and bugs with their stack trace.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="divergedAdvice">
    /// What a verb that trains says after a diverged run's error: how to retry with its options (the libraries name none).
    /// </param>
    public static async Task<int> RunAsync(Func<Task<int>> body, string? divergedAdvice = null)
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
        catch (Exception error) when (ExitCodeOf(error) is int code)
        {
            await Console.Error.WriteLineAsync("error: " + error.Message
                + (error is TrainingDivergedException && divergedAdvice is not null ? " " + divergedAdvice : ""));
            return code;
        }
        catch (Exception bug)
        {
            await Console.Error.WriteLineAsync($"internal error (a bug; please report it with this trace): {bug}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The exit code of a user error, or null for an exception that is a bug.</summary>
    private static int? ExitCodeOf(Exception error) => error switch
    {
        InvalidSettingException => ExitCodes.Usage,
        TrainingDivergedException => ExitCodes.Diverged,
        ParityException => ExitCodes.ParityFailed,
        // The type itself: the store was not reached after every retry. Its subclasses are answers a retry will not change.
        ArtifactStoreException when error.GetType() == typeof(ArtifactStoreException) => ExitCodes.StoreUnavailable,
        UserErrorException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException => ExitCodes.Failure,
        _ => null,
    };
}
