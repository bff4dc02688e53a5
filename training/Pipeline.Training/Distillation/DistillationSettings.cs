using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Distillation;

/// <summary>
/// What a self-distillation run learns from (SimCLRv2, Chen et al. 2020, "Big Self-Supervised Models are Strong
/// Semi-Supervised Learners", §2.3): a fine-tuned teacher classifier labels every training image with its softened
/// probabilities, and a student — the pretrained encoder plus a linear head — learns to match them. Several teachers
/// (fine-tunes on the same labels with different seeds) label together: their probabilities are averaged.
/// </summary>
/// <param name="Teachers">The teachers' <c>inference_model.onnx</c> files (input <c>pixels</c>, output <c>logits</c>, class
/// names in their metadata) with their SHA-256, which a resumed run must find again.</param>
/// <param name="StudentInit">The pretraining checkpoint whose encoder the student starts from.</param>
/// <param name="Temperature">τ: both sides' logits are divided by it before the softmax; 1 in SimCLRv2.</param>
/// <param name="ClassNames">The teacher's classes, in the order of its logits: the student head's outputs.</param>
/// <param name="Augmentation">How the student's view of each training image is drawn at every step.</param>
/// <param name="TeacherInput">Whether the teacher labels the student's view or the un-augmented image; runs written before
/// the choice existed read as <see cref="Distillation.TeacherInput.View"/>.</param>
/// <param name="Labelled">The ground-truth term on the labelled images, or null to learn from the teachers alone (runs
/// written before the term existed read as null).</param>
public sealed record DistillationSettings(IReadOnlyList<TeacherFile> Teachers, string StudentInit, double Temperature, string[] ClassNames,
    SimClrAugmentationOptions Augmentation, TeacherInput TeacherInput = TeacherInput.View, LabelledTerm? Labelled = null) : MethodSettings
{
    /// <summary>The student's view distribution unless told otherwise: random resized crops of at least half the area and flips.</summary>
    public static SimClrAugmentationOptions DefaultAugmentation { get; } = SimClrAugmentationOptions.None with
    {
        CropScale = (0.5, 1.0),
        CropAspectRatio = (3.0 / 4.0, 4.0 / 3.0),
        HorizontalFlipProbability = 0.5,
    };

    /// <summary>Throws when a setting cannot work, naming it and what is accepted.</summary>
    public override void Validate()
    {
        if (Teachers.Count == 0)
        {
            throw new InvalidSettingException("A distillation needs at least one teacher.");
        }
        if (!(Temperature > 0) || double.IsInfinity(Temperature))
        {
            throw new InvalidSettingException($"The distillation temperature must be positive and finite, not {Temperature}.");
        }
        if (ClassNames.Length < 2)
        {
            throw new InvalidSettingException($"A teacher classifies into at least two classes, not {ClassNames.Length}.");
        }
        if (!Enum.IsDefined(TeacherInput))
        {
            throw new InvalidSettingException($"The teacher labels the student's view or the image, not {TeacherInput}.");
        }
        Augmentation.Validate();
        Labelled?.Validate();
    }
}
