using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.SemiSupervised;

/// <summary>
/// What a FixMatch run learns from (Sohn et al. 2020, "FixMatch: Simplifying Semi-Supervised Learning with Consistency
/// and Confidence"): the few labelled images with their labels, and every training image through the model's own
/// confident predictions — a prediction on a weak view of an image, when its probability reaches
/// <see cref="Confidence"/>, is the hard label of a strong view of the same image.
/// </summary>
/// <param name="StudentInit">The checkpoint the model starts from: a pretraining run's (the encoder; the head starts
/// random) or a distill or fixmatch run's (encoder and head, so a distilled student goes on learning).</param>
/// <param name="LabelledIds">The labelled images, as ids of the training data (<see cref="Pipeline.Data.ImageIds"/>):
/// what <c>finetune</c>'s <c>labelled.csv</c> or <c>select</c> lists. Their labels come from the data.</param>
/// <param name="ClassNames">The classes of the data's labels, in order: the head's outputs.</param>
/// <param name="Confidence">The pseudo-label threshold τ on the weak view's largest probability; 0.95 in the paper.</param>
/// <param name="UnlabelledWeight">λ_u, the weight of the pseudo-labelled term against the labelled one; 1 in the paper.</param>
/// <param name="LabelledBatchSize">Labelled images per step, drawn with replacement beside each batch of training images.</param>
/// <param name="WeakAugmentation">The weak views: the labelled images' and the ones pseudo-labels are read from.</param>
/// <param name="StrongAugmentation">The strong views the pseudo-labels train.</param>
public sealed record FixMatchSettings(string StudentInit, IReadOnlyList<string> LabelledIds, string[] ClassNames, double Confidence,
    double UnlabelledWeight, int LabelledBatchSize, SimClrAugmentationOptions WeakAugmentation, SimClrAugmentationOptions StrongAugmentation) : MethodSettings
{
    /// <summary>The paper's threshold.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>The paper's λ_u.</summary>
    public const double DefaultUnlabelledWeight = 1.0;

    /// <summary>Labelled images per step beside 256 training images (the paper: 64 beside 448).</summary>
    public const int DefaultLabelledBatchSize = 64;

    /// <summary>Weak views: flips and mild crops (at least 80% of the area), the paper's flip-and-shift for small images.</summary>
    public static SimClrAugmentationOptions DefaultWeakAugmentation { get; } = SimClrAugmentationOptions.None with
    {
        CropScale = (0.8, 1.0),
        CropAspectRatio = (3.0 / 4.0, 4.0 / 3.0),
        HorizontalFlipProbability = 0.5,
    };

    /// <summary>
    /// Strong views for grey images: crops down to a fifth of the area, flips, brightness and contrast jitter, and an
    /// erased rectangle on every image (the paper's RandAugment ends with Cutout, which carries most of its effect).
    /// </summary>
    public static SimClrAugmentationOptions DefaultStrongAugmentation { get; } = SimClrAugmentationOptions.None with
    {
        CropScale = (0.2, 1.0),
        CropAspectRatio = (3.0 / 4.0, 4.0 / 3.0),
        HorizontalFlipProbability = 0.5,
        ColorJitterProbability = 0.8,
        Brightness = 0.4,
        Contrast = 0.4,
        ErasingProbability = 1.0,
    };

    /// <summary>Throws when a setting cannot work, naming it and what is accepted.</summary>
    public override void Validate()
    {
        if (LabelledIds.Count == 0)
        {
            throw new InvalidSettingException("FixMatch needs labelled images: the list of labelled ids is empty.");
        }
        if (ClassNames.Length < 2)
        {
            throw new InvalidSettingException($"FixMatch classifies into at least two classes, not {ClassNames.Length}.");
        }
        if (!(Confidence > 0 && Confidence <= 1))
        {
            throw new InvalidSettingException($"The pseudo-label confidence threshold is a probability above 0, up to 1, not {Confidence}.");
        }
        if (!(UnlabelledWeight >= 0) || double.IsInfinity(UnlabelledWeight))
        {
            throw new InvalidSettingException($"The weight of the pseudo-labelled term must be 0 or more and finite, not {UnlabelledWeight}.");
        }
        if (LabelledBatchSize < 2)
        {
            throw new InvalidSettingException($"At least 2 labelled images per step (batch norm needs two), not {LabelledBatchSize}.");
        }
        WeakAugmentation.Validate();
        StrongAugmentation.Validate();
    }
}
