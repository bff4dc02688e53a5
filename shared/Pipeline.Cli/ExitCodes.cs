namespace Pipeline.Cli;

/// <summary>
/// The exit codes both CLIs share, so that a scheduler (a Kubernetes pod failure policy, a shell script) can tell a
/// failure worth retrying from one that is not. Tool-specific codes (pipeline-train's 3–5) sit between them.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad options or input, or any other failure a retry will not mend by itself.</summary>
    public const int Failure = 1;

    /// <summary>The configuration file is invalid: nothing was done.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>The store (registry) could not be reached after every retry: try again later (sysexits' EX_TEMPFAIL).</summary>
    public const int StoreUnavailable = 75;

    /// <summary>Ctrl+C or SIGTERM.</summary>
    public const int Cancelled = 130;
}
