using Pipeline.Errors;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// A run folder that does not fit what was asked of it: it holds a run and resuming was not asked for, or resuming was
/// asked with other settings than the run's (or a higher learning rate). Thrown before anything is written: a usage
/// error, like any setting that conflicts.
/// </summary>
public sealed class RunConflictException : InvalidSettingException
{
    /// <param name="message">The folder, what it holds and what to do.</param>
    public RunConflictException(string message)
        : base(message)
    {
    }

    /// <summary>A conflict of the setting <paramref name="setting"/> (<see cref="InvalidSettingException.ForSetting(string, Func{Func{string, string}, string}, Exception?)"/>).</summary>
    public RunConflictException(string setting, Func<Func<string, string>, string> problem)
        : base(setting, problem, null)
    {
    }
}
