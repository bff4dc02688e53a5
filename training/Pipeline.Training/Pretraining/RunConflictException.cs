using Pipeline.Errors;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// A run folder that does not fit what was asked of it: it holds a run and resuming was not asked for, or resuming was
/// asked with other settings than the run's (or a higher learning rate). Thrown before anything is written: a usage
/// error, like any setting that conflicts.
/// </summary>
public sealed class RunConflictException(string message) : InvalidSettingException(message);
