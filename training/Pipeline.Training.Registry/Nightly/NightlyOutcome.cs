using Pipeline.Onnx.Optimizers;
using Pipeline.Storage.Registry;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>
/// How a night ended (<see cref="NightlyJob.RunAsync"/>) when it ended as planned: a candidate published and judged, the
/// lease held by another run, or a diverged run kept for the next night. Every other end is an exception.
/// </summary>
public abstract record NightlyOutcome
{
    private NightlyOutcome()
    {
    }

    /// <summary>The candidate was published and judged against the champion; the run is completed in the state and its mirror deleted.</summary>
    /// <param name="State">The completed run's state, as written to the store.</param>
    /// <param name="Candidate">The version published.</param>
    /// <param name="Decision">Whether the candidate became, or already was, the champion.</param>
    public sealed record Completed(NightlyState State, PublishedModel Candidate, ChampionDecision Decision) : NightlyOutcome;

    /// <summary>Another nightly run of the model holds the lease: nothing was done.</summary>
    /// <param name="Lease">Where the lease is: the store's location and the lease's key.</param>
    public sealed record LeaseHeld(string Lease) : NightlyOutcome;

    /// <summary>
    /// The loss stopped being finite: the run is kept, in the work folder and mirrored in the store, and the next night
    /// resumes it; lower the learning rate in the configuration's pretraining options first, the one setting a resumed
    /// run may change.
    /// </summary>
    /// <param name="State">The run's state, not completed.</param>
    /// <param name="Error">What diverged, and at which step.</param>
    public sealed record Diverged(NightlyState State, TrainingDivergedException Error) : NightlyOutcome;
}
