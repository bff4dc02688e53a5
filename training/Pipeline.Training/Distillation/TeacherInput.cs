namespace Pipeline.Training.Distillation;

/// <summary>What the distillation teacher labels at each step.</summary>
public enum TeacherInput
{
    /// <summary>The very augmented view the student sees (SimCLRv2, Chen et al. 2020).</summary>
    View,

    /// <summary>The un-augmented image, so that only the student is noised (Noisy Student, Xie et al. 2020).</summary>
    Image,
}
