using Pipeline.Errors;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Distillation;

/// <summary>
/// The ground-truth term of a distillation (SimCLRv2, Chen et al. 2020, §2.3: "we can also add the ground-truth labeled
/// examples"): beside the teacher's targets on every image, the student learns the few labelled images' true labels,
/// weight × the cross-entropy of a batch of their views drawn with replacement at every step.
/// </summary>
/// <param name="LabelledIds">The labelled images, as ids of the training data (<see cref="Pipeline.Data.ImageIds"/>): what
/// <c>finetune</c>'s <c>labelled.csv</c> or <c>select</c> lists, or the ids of a seeded class-balanced draw. Their
/// labels come from the data.</param>
/// <param name="Weight">The weight of the labelled cross-entropy against the distillation term.</param>
/// <param name="BatchSize">Labelled images per step, drawn with replacement beside each batch of training images.</param>
public sealed record LabelledTerm(IReadOnlyList<string> LabelledIds, double Weight, int BatchSize)
{
    /// <summary>The weight unless told otherwise: the two terms count alike.</summary>
    public const double DefaultWeight = 1.0;

    /// <summary>Labelled images per step unless told otherwise: FixMatch's, 64 beside 256 training images.</summary>
    public const int DefaultBatchSize = FixMatchSettings.DefaultLabelledBatchSize;

    /// <summary>Throws when a setting cannot work, naming it and what is accepted.</summary>
    public void Validate()
    {
        if (LabelledIds.Count == 0)
        {
            throw new InvalidSettingException("The labelled term needs labelled images: the list of labelled ids is empty.");
        }
        if (!(Weight > 0) || double.IsInfinity(Weight))
        {
            throw new InvalidSettingException($"The weight of the labelled term must be positive and finite, not {Weight}.");
        }
        if (BatchSize < 2)
        {
            throw new InvalidSettingException($"At least 2 labelled images per step (batch norm needs two), not {BatchSize}.");
        }
    }
}
