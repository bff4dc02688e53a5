using Pipeline.Data.SafeTensors;
using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.Distillation;
using Pipeline.Training.Encoders;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// Self-distillation (SimCLRv2, Chen et al. 2020, §2.3): the student — the pretrained encoder f plus a linear head —
/// minimises the cross-entropy −Σ_y p_T(y | x; τ) log p_S(y | x; τ) between the teacher's softened probabilities and
/// its own, on an augmented view x of every training image, labelled or not. With several teachers p_T is the mean of
/// theirs (<see cref="TeacherEnsemble"/>).
/// </summary>
/// <remarks>
/// The teachers (<see cref="TeacherModel"/>, ONNX Runtime) label the very view the student sees, or the un-augmented
/// image (<see cref="DistillationSettings.TeacherInput"/>). The loss is scaled by
/// τ² so that its gradients keep their size as τ changes (Hinton et al. 2015). The student's encoder starts from the
/// pretraining checkpoint of <see cref="DistillationSettings.StudentInit"/> and its head from zero-mean random weights;
/// a resumed run then loads its own checkpoint over both.
/// </remarks>
public sealed class DistillationObjective : PretextObjective, IClassifierObjective
{
    // Field names are the state-dict keys.
    private readonly Encoder encoder;
    private readonly Linear classifier;
    private readonly SimClrAugmentation _augmentation;
    private readonly TeacherEnsemble _teachers;
    private readonly double _temperature;
    private readonly TeacherInput _teacherInput;
    private readonly string[] _classNames;

    public DistillationObjective(Encoder encoder, DistillationSettings settings) : base(nameof(DistillationObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        this.encoder = encoder;
        classifier = nn.Linear(encoder.EmbeddingDim, settings.ClassNames.Length);
        _augmentation = new SimClrAugmentation(settings.Augmentation, encoder.Spec.InputChannels, encoder.Spec.InputHeight, encoder.Spec.InputWidth);
        _temperature = settings.Temperature;
        _teacherInput = settings.TeacherInput;
        _classNames = settings.ClassNames;
        RegisterComponents();
        Checkpoint.LoadModel(SafeTensorsFile.Read(settings.StudentInit), encoder, EncoderModuleName);
        _teachers = TeacherEnsemble.Load([.. settings.Teachers.Select(teacher => teacher.Path)]);
        try
        {
            long[] studentInput = [encoder.Spec.InputChannels, encoder.Spec.InputHeight, encoder.Spec.InputWidth];
            if (!_teachers.InputShape.SequenceEqual(studentInput) || !_teachers.ClassNames.SequenceEqual(settings.ClassNames))
            {
                throw new InvalidSettingException(
                    $"The teachers take {string.Join("x", _teachers.InputShape)} images into classes [{string.Join(", ", _teachers.ClassNames)}]; "
                    + $"the student takes {string.Join("x", studentInput)} images into [{string.Join(", ", settings.ClassNames)}].");
            }
        }
        catch
        {
            _teachers.Dispose();
            throw;
        }
    }

    public override string Method => PretextMethods.Distill;

    public override Encoder Encoder => encoder;

    /// <summary>The student's linear head on the embedding: logits over the teacher's classes.</summary>
    public Linear Classifier => classifier;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => _classNames;

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        using var scope = NewDisposeScope();
        Tensor views = _augmentation.Apply(pixels, generator);
        // targets [n, classes] from the teacher, logits [n, classes] from the student
        Tensor targets = _teachers.Probabilities(_teacherInput == TeacherInput.Image ? pixels : views, _temperature);
        Tensor logits = classifier.forward(encoder.forward(views));
        Tensor loss = targets.mul(logits.div(_temperature).log_softmax(1)).sum(1).mean().neg().mul(_temperature * _temperature);
        // How often the student already picks the teacher's class: the loss alone cannot say, soft targets never reach 0.
        Tensor agreement = logits.argmax(1).eq(targets.argmax(1)).to(ScalarType.Float32).mean();
        return new PretextLoss(scope.MoveToOuter(loss), new Dictionary<string, Tensor> { ["agreement"] = scope.MoveToOuter(agreement.detach()) });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _teachers.Dispose();
        }
        base.Dispose(disposing);
    }
}
