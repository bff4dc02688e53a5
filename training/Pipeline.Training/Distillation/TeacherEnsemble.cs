using static TorchSharp.torch;

namespace Pipeline.Training.Distillation;

/// <summary>
/// The teachers of a distillation run: classifiers fine-tuned on the same labels (<see cref="TeacherModel"/>) whose
/// softened probabilities are averaged into the student's targets — one teacher is an ensemble of one. Averaging
/// classifiers that differ only in their training seed cancels part of each one's errors (Hinton et al. 2015 distil such
/// an ensemble into one model); the student then carries the ensemble's accuracy at one model's cost.
/// </summary>
/// <remarks>Not thread-safe: one training loop calls it.</remarks>
public sealed class TeacherEnsemble : IDisposable
{
    private readonly TeacherModel[] _teachers;

    private TeacherEnsemble(TeacherModel[] teachers) => _teachers = teachers;

    /// <summary>The classes of the teachers' logits, in order (the same for every teacher).</summary>
    public IReadOnlyList<string> ClassNames => _teachers[0].ClassNames;

    /// <summary>[C, H, W] of the images every teacher takes.</summary>
    public long[] InputShape => _teachers[0].InputShape;

    /// <summary>How many classifiers vote.</summary>
    public int Count => _teachers.Length;

    /// <summary>Opens every teacher, checking that they classify the same images into the same classes in the same order.</summary>
    /// <exception cref="FileNotFoundException">A teacher does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a classifier, or the teachers disagree on their classes or input.</exception>
    public static TeacherEnsemble Load(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("A distillation needs at least one teacher.", nameof(paths));
        }
        var teachers = new List<TeacherModel>(paths.Count);
        try
        {
            foreach (string path in paths)
            {
                TeacherModel teacher = TeacherModel.Load(path);
                teachers.Add(teacher);
                TeacherModel first = teachers[0];
                if (!teacher.ClassNames.SequenceEqual(first.ClassNames) || !teacher.InputShape.SequenceEqual(first.InputShape))
                {
                    throw new InvalidDataException(
                        $"The teacher {path} takes {string.Join("x", teacher.InputShape)} images into classes [{string.Join(", ", teacher.ClassNames)}]; "
                        + $"{paths[0]} takes {string.Join("x", first.InputShape)} images into [{string.Join(", ", first.ClassNames)}]: "
                        + "the teachers of one distillation are fine-tunes of one task, with the same classes in the same order.");
                }
            }
            return new TeacherEnsemble([.. teachers]);
        }
        catch
        {
            teachers.ForEach(teacher => teacher.Dispose());
            throw;
        }
    }

    /// <summary>
    /// The mean over the teachers of softmax(logits / <paramref name="temperature"/>) for <paramref name="pixels"/>
    /// (float32 [N, C, H, W] in [0, 1]): [N, classes], on the pixels' device, each row summing to 1.
    /// </summary>
    public Tensor Probabilities(Tensor pixels, double temperature)
    {
        using var scope = NewDisposeScope();
        Tensor sum = _teachers[0].Logits(pixels).div(temperature).softmax(1);
        for (int i = 1; i < _teachers.Length; i++)
        {
            sum = sum.add(_teachers[i].Logits(pixels).div(temperature).softmax(1));
        }
        return scope.MoveToOuter(sum.div(_teachers.Length));
    }

    public void Dispose()
    {
        foreach (TeacherModel teacher in _teachers)
        {
            teacher.Dispose();
        }
    }
}
