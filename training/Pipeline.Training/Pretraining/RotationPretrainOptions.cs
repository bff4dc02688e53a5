using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>The options of a rotation-prediction run (Gidaris et al. 2018), which has no settings of its own.</summary>
public sealed record RotationPretrainOptions : PretrainOptions
{
    /// <inheritdoc/>
    protected override MethodSettings Settings() => new RotationSettings();
}
