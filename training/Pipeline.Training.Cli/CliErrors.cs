using Pipeline.Training.Export;

namespace Pipeline.Training.Cli;

/// <summary>
/// pipeline-train's way of reporting user errors: the shared one (<see cref="Pipeline.Cli.CliErrors"/>), plus its own
/// exit code (<see cref="TrainExitCodes"/>) for a failed parity check.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly.</summary>
    public static Task<int> RunAsync(Func<Task<int>> body) =>
        Pipeline.Cli.CliErrors.RunAsync(body, error => error switch
        {
            OnnxParityException => TrainExitCodes.ParityFailed,
            _ => null,
        });
}
