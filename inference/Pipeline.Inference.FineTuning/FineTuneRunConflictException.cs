using Pipeline.Errors;
using Pipeline.Runs;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// A run folder that does not fit what a fine-tune job was asked to do with it (<see cref="FineTuneRunConflict"/>).
/// Thrown before anything is written: a usage error, like any setting that conflicts.
/// </summary>
public sealed class FineTuneRunConflictException : InvalidSettingException
{
    /// <param name="folder">The run folder, as given.</param>
    /// <param name="conflict">How it does not fit.</param>
    /// <param name="difference">With <see cref="FineTuneRunConflict.OtherSettings"/>, what differs; otherwise null.</param>
    /// <param name="message">The folder, what is wrong and what to do.</param>
    public FineTuneRunConflictException(string folder, FineTuneRunConflict conflict, SettingsDifference? difference, string message)
        : base(message)
    {
        Folder = folder;
        Conflict = conflict;
        Difference = difference;
    }

    /// <summary>The run folder, as given.</summary>
    public string Folder { get; }

    /// <summary>How the folder does not fit.</summary>
    public FineTuneRunConflict Conflict { get; }

    /// <summary>With <see cref="FineTuneRunConflict.OtherSettings"/>, the recorded and requested settings that differ; otherwise null.</summary>
    public SettingsDifference? Difference { get; }
}
