using Pipeline.Cli;
using Pipeline.Training.Export;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// pipeline-train's way of reporting user errors: the shared one (<see cref="Pipeline.Cli.CliErrors"/>), plus a failed
/// parity check as <see cref="ExitCodes.ParityFailed"/>, and a run folder that conflicts with the options
/// (<see cref="RunConflictException"/>) as a usage error.
/// </summary>
public static class CliErrors
{
    /// <summary>What pretrain and distill say after a diverged run: the run folder is kept for exactly this.</summary>
    public const string ResumeWithLowerLearningRate = "Run the same command again with --resume and a lower --lr.";

    /// <summary>Runs a command body, reporting user errors plainly.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="divergedAdvice">What to say after a diverged run's error, for a verb that trains.</param>
    public static Task<int> RunAsync(Func<Task<int>> body, string? divergedAdvice = null) =>
        Pipeline.Cli.CliErrors.RunAsync(body, error => error switch
        {
            OnnxParityException => ExitCodes.ParityFailed,
            RunConflictException => ExitCodes.Usage,
            _ => null,
        }, divergedAdvice);
}
