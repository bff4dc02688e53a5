namespace Pipeline.Inference.FineTuning;

/// <summary>
/// How every training image is changed at every step; any of them makes the frozen prefix run at every step instead
/// of once per image.
/// </summary>
[Flags]
public enum FineTuneAugmentation
{
    /// <summary>The images as they are.</summary>
    None = 0,

    /// <summary>A random resized crop (<see cref="RandomResizedCrop"/>).</summary>
    Crop = 1,

    /// <summary>A left-right flip with probability ½.</summary>
    HorizontalFlip = 2,
}
