using Pipeline.Training.Augmentations;

namespace Pipeline.Training.Objectives;

/// <summary>SimCLR's hyper-parameters: NT-Xent temperature, projection width and the view distribution.</summary>
/// <param name="Temperature">τ; 0.5, the paper's best for CIFAR-10 at small batch sizes.</param>
/// <param name="ProjectionDim">Width of z; the paper's 128.</param>
/// <param name="Augmentation">How the two views are drawn.</param>
public sealed record SimClrSettings(double Temperature, int ProjectionDim, SimClrAugmentationOptions Augmentation) : MethodSettings
{
    /// <summary>The paper's small-image setting.</summary>
    public static SimClrSettings Default { get; } = new(0.5, 128, new SimClrAugmentationOptions());
}
