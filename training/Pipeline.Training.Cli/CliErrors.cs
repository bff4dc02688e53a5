using Pipeline.Data;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// Turns the errors a user can cause (bad options, bad data, a diverged run) into one line on stderr and exit code 1,
/// instead of a stack trace; anything else is a bug and keeps its trace.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
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
        catch (Exception error) when (error is ArgumentException or FormatException or InvalidOperationException or InvalidDataException
            or DataFormatException or FileNotFoundException or DirectoryNotFoundException or TrainingDivergedException)
        {
            await Console.Error.WriteLineAsync("error: " + error.Message);
            return 1;
        }
    }
}
