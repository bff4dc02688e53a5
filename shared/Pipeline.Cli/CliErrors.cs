using Pipeline.Data;
using Pipeline.Onnx.Optimizers;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Cli;

/// <summary>
/// Turns the errors a user can cause (bad options, bad data, missing files, a registry that refuses or fails) into one
/// line on stderr and an exit code from <see cref="ExitCodes"/> (1; 2 for a <see cref="UsageException"/>; 4 for a
/// diverged training; 75 when the store could not be reached), instead of a stack trace; anything else is a bug and
/// keeps its trace. Cancellation (SIGINT, SIGTERM: <see cref="CliInvocation"/>) exits 130.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="exitCodeOf">
    /// The exit code of other exceptions a tool's users can cause (a failed parity check), or null for
    /// an exception it does not know.
    /// </param>
    /// <param name="divergedAdvice">
    /// What a verb that trains says after a diverged run's error: how to retry with its options (the libraries name none).
    /// </param>
    public static async Task<int> RunAsync(Func<Task<int>> body, Func<Exception, int?>? exitCodeOf = null, string? divergedAdvice = null)
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
        catch (Exception error) when ((exitCodeOf?.Invoke(error) ?? CommonExitCode(error)) is int code)
        {
            await Console.Error.WriteLineAsync("error: " + error.Message
                + (error is TrainingDivergedException && divergedAdvice is not null ? " " + divergedAdvice : ""));
            return code;
        }
    }

    private static int? CommonExitCode(Exception error) =>
        error.GetType() == typeof(ArtifactStoreException) ? ExitCodes.StoreUnavailable
        : error is UsageException ? ExitCodes.Usage
        : error is TrainingDivergedException ? ExitCodes.Diverged
        : IsCommonUserError(error) ? ExitCodes.Failure
        : null;

    private static bool IsCommonUserError(Exception error) =>
        error is ArgumentException or FormatException or InvalidOperationException or InvalidDataException
            or DataFormatException or FileNotFoundException or DirectoryNotFoundException
            or ArtifactStoreException or ModelRegistryException;
}
