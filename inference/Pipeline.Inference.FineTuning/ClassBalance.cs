namespace Pipeline.Inference.FineTuning;

/// <summary>Whether mini-batches draw every class equally often, whatever their share of the labelled images.</summary>
public enum ClassBalance
{
    /// <summary>Balanced when the largest class has over 1.5 times the images of the smallest, else plain shuffling.</summary>
    Auto,

    /// <summary>Always balanced.</summary>
    On,

    /// <summary>Plain shuffling: classes appear as often as they have images.</summary>
    Off,
}
