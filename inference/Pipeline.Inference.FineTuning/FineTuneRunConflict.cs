namespace Pipeline.Inference.FineTuning;

/// <summary>How a run folder does not fit what a fine-tune job was asked to do with it.</summary>
public enum FineTuneRunConflict
{
    /// <summary>The folder holds a run, and resuming was not asked for.</summary>
    HoldsARun,

    /// <summary>Resuming was asked for, and the folder holds no run.</summary>
    HoldsNoRun,

    /// <summary>Resuming was asked for with other settings than the run's.</summary>
    OtherSettings,
}
