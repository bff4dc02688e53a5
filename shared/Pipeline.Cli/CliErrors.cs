using Pipeline.Onnx.Optimizers;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>
/// The error reporting of the full CLIs (pipeline-train, pipeline-infer): <see cref="CommandErrors"/>, plus the errors of
/// the libraries a device build leaves out — 4 for a diverged training, 75 when the store could not be reached.
/// </summary>
public static class CliErrors
{
    /// <summary>Runs a command body, reporting user errors plainly and bugs with their stack trace.</summary>
    /// <param name="body">The command; returns the exit code.</param>
    /// <param name="divergedAdvice">
    /// What a verb that trains says after a diverged run's error: how to retry with its options (the libraries name none).
    /// </param>
    public static Task<int> RunAsync(Func<Task<int>> body, string? divergedAdvice = null) => CommandErrors.RunAsync(body, error => error switch
    {
        TrainingDivergedException => (ExitCodes.Diverged, divergedAdvice is null ? error.Message : error.Message + " " + divergedAdvice),
        // The type itself: the store was not reached after every retry. Its subclasses are answers a retry will not change.
        ArtifactStoreException when error.GetType() == typeof(ArtifactStoreException) => (ExitCodes.StoreUnavailable, error.Message),
        _ => null,
    });
}
