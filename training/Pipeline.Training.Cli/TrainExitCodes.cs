using Pipeline.Cli;

namespace Pipeline.Training.Cli;

/// <summary>
/// pipeline-train's exit codes beyond the shared ones (<see cref="ExitCodes"/>: 0, 1, 2, 4, 5, 75, 130). The nightly job's
/// Kubernetes pod failure policy keys on them (infra/k8s/nightly-cronjob.yaml).
/// </summary>
public static class TrainExitCodes
{
    /// <summary>Another nightly run of the same model holds the lease: nothing was done.</summary>
    public const int LeaseHeld = 3;
}
