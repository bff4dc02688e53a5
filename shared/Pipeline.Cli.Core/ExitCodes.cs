namespace Pipeline.Cli;

/// <summary>
/// The exit codes both CLIs share, so that a scheduler (a Kubernetes pod failure policy, a shell script) can tell a
/// failure worth retrying from one that is not. Tool-specific codes (pipeline-train's 3) sit between them.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A failure a retry will not mend by itself: bad input data, a missing file, or a bug (which prints its stack trace).</summary>
    public const int Failure = 1;

    /// <summary>
    /// A usage error: an option or configuration value that does not parse, is out of range or conflicts with another.
    /// Nothing was written.
    /// </summary>
    public const int Usage = 2;

    /// <summary>The loss became NaN or infinite (pretraining or fine-tuning); a retry with the same settings diverges again.</summary>
    public const int Diverged = 4;

    /// <summary>
    /// A model did not match the one it was made from within the limits (an export against TorchSharp, a precision
    /// variant against its float32 source): nothing was written.
    /// </summary>
    public const int ParityFailed = 5;

    /// <summary>The store (registry) could not be reached after every retry: try again later (sysexits' EX_TEMPFAIL).</summary>
    public const int StoreUnavailable = 75;

    /// <summary>Ctrl+C (SIGINT) or SIGTERM, after training wrote the checkpoint of its last finished step.</summary>
    public const int Cancelled = 130;
}
