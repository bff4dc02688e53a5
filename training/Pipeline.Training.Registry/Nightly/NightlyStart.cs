using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>The run a night trains (<see cref="NightlyJobObserver.Started"/>): a new one, or the interrupted one it resumes.</summary>
/// <param name="State">The run's state in the store.</param>
/// <param name="Run">The run's folder in the work folder.</param>
/// <param name="Resumed">Whether the run was started by an earlier night, whose files were restored from the store.</param>
/// <param name="RestoredFiles">How many files of the run were restored from the store.</param>
public sealed record NightlyStart(NightlyState State, RunDirectory Run, bool Resumed, int RestoredFiles);
