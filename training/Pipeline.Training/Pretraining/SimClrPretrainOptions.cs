using System.Text.Json.Serialization;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// The options of a SimCLR run (Chen et al. 2020): the NT-Xent temperature, the projection width and the view
/// distribution, each defaulting to <see cref="SimClrSettings.Default"/> and the paper's <see cref="SimClrAugmentationOptions"/>.
/// </summary>
public sealed record SimClrPretrainOptions : PretrainOptions
{
    private static readonly SimClrAugmentationOptions Paper = new();

    /// <summary>NT-Xent temperature τ, above 0.</summary>
    public double Temperature { get; init; } = SimClrSettings.Default.Temperature;

    /// <summary>Width of the projection z.</summary>
    [JsonPropertyName("projection-dim")]
    public int ProjectionDim { get; init; } = SimClrSettings.Default.ProjectionDim;

    /// <summary>Smallest random-resized-crop area, as a fraction of the image, in (0, 1].</summary>
    [JsonPropertyName("min-crop-scale")]
    public double MinCropScale { get; init; } = Paper.CropScale.Min;

    /// <summary>Probability of a horizontal flip.</summary>
    [JsonPropertyName("flip-probability")]
    public double FlipProbability { get; init; } = Paper.HorizontalFlipProbability;

    /// <summary>Probability of the colour jitter.</summary>
    [JsonPropertyName("color-jitter-probability")]
    public double ColorJitterProbability { get; init; } = Paper.ColorJitterProbability;

    /// <summary>Colour distortion strength s (<see cref="SimClrAugmentationOptions.WithColorStrength"/>).</summary>
    [JsonPropertyName("color-jitter-strength")]
    public double ColorJitterStrength { get; init; } = SimClrAugmentationOptions.DefaultColorStrength;

    /// <summary>Probability of random grayscale (colour images only).</summary>
    [JsonPropertyName("grayscale-probability")]
    public double GrayscaleProbability { get; init; } = Paper.GrayscaleProbability;

    /// <summary>Probability of a Gaussian blur.</summary>
    [JsonPropertyName("blur-probability")]
    public double BlurProbability { get; init; } = Paper.BlurProbability;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Require(Temperature > 0 && double.IsFinite(Temperature), "temperature", "must be a positive number", Temperature);
        Require(ProjectionDim >= 1, "projection-dim", "must be a positive whole number", ProjectionDim);
        Require(MinCropScale is > 0 and <= 1, "min-crop-scale", "must be a number above 0 and at most 1", MinCropScale);
        RequireProbability("flip-probability", FlipProbability);
        RequireProbability("color-jitter-probability", ColorJitterProbability);
        // Hue turns by up to 0.2s of a circle, and a turn beyond half a circle is the same turn the other way.
        Require(ColorJitterStrength is >= 0 and <= 2.5, "color-jitter-strength", "must be a number from 0 to 2.5 (hue 0.2s: at most half a turn)", ColorJitterStrength);
        RequireProbability("grayscale-probability", GrayscaleProbability);
        RequireProbability("blur-probability", BlurProbability);
    }

    /// <inheritdoc/>
    protected override MethodSettings Settings() => new SimClrSettings(Temperature, ProjectionDim, Augmentation());

    /// <summary>The view distribution: the paper's, with these options' crop, probabilities and colour strength.</summary>
    private SimClrAugmentationOptions Augmentation() => Paper.WithColorStrength(ColorJitterStrength) with
    {
        CropScale = (MinCropScale, 1.0),
        HorizontalFlipProbability = FlipProbability,
        ColorJitterProbability = ColorJitterProbability,
        GrayscaleProbability = GrayscaleProbability,
        BlurProbability = BlurProbability,
    };

    private static void RequireProbability(string setting, double value) =>
        Require(value is >= 0 and <= 1, setting, "must be a number from 0 to 1", value);
}
