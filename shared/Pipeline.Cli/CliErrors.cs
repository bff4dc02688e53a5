using Pipeline.Data;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Cli;

/// <summary>
/// Turns the errors a user can cause (bad options, bad data, missing files, a registry that refuses or fails) into one line on stderr and exit code 1,
/// instead of a stack trace; anything else is a bug and keeps its trace. Ctrl+C exits with 130.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="isUserError">Says which other exceptions a tool's users can cause (a diverged run, a full disk…).</param>
    public static async Task<int> RunAsync(Func<Task<int>> body, Func<Exception, bool>? isUserError = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled.");
            return 130;
        }
        catch (Exception error) when (IsCommonUserError(error) || (isUserError?.Invoke(error) ?? false))
        {
            await Console.Error.WriteLineAsync("error: " + error.Message);
            return 1;
        }
    }

    private static bool IsCommonUserError(Exception error) =>
        error is ArgumentException or FormatException or InvalidOperationException or InvalidDataException
            or DataFormatException or FileNotFoundException or DirectoryNotFoundException
            or ArtifactStoreException or ModelRegistryException;
}
