using Pipeline.Data.SafeTensors;
using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.Distillation;
using Pipeline.Training.Encoders;
using Pipeline.Training.SemiSupervised;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Pipeline.Training.Objectives;

/// <summary>
/// Self-distillation (SimCLRv2, Chen et al. 2020, §2.3): the student — the pretrained encoder f plus a linear head —
/// minimises the cross-entropy −Σ_y p_T(y | x; τ) log p_S(y | x; τ) between the teacher's softened probabilities and
/// its own, on an augmented view x of every training image, labelled or not. With several teachers p_T is the mean of
/// theirs (<see cref="TeacherEnsemble"/>). With a <see cref="LabelledTerm"/> the student also learns the true labels of
/// the labelled images: + w · H(y, p_S(y | x_l)) on views of a batch of them drawn at every step.
/// </summary>
/// <remarks>
/// The teachers (<see cref="TeacherModel"/>, ONNX Runtime) label the very view the student sees, or the un-augmented
/// image (<see cref="DistillationSettings.TeacherInput"/>). The loss is scaled by
/// τ² so that its gradients keep their size as τ changes (Hinton et al. 2015). The student's encoder starts from the
/// pretraining checkpoint of <see cref="DistillationSettings.StudentInit"/> and its head from zero-mean random weights;
/// a resumed run then loads its own checkpoint over both. The labelled views go through the student together with the
/// others, so batch norm sees one batch.
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
    private readonly LabelledTerm? _labelledTerm;
    private readonly LabelledImages? _labelled;

    /// <param name="encoder">The encoder, filled from <see cref="DistillationSettings.StudentInit"/>.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="labelled">The images of <see cref="DistillationSettings.Labelled"/> with their labels; null when the
    /// settings have no labelled term or the objective is only rebuilt to read a checkpoint (export, evaluation). The
    /// objective owns and disposes them.</param>
    public DistillationObjective(Encoder encoder, DistillationSettings settings, LabelledImages? labelled) : base(nameof(DistillationObjective))
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
        _labelledTerm = settings.Labelled;
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
        _labelled = labelled;
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
        if (_labelledTerm is null)
        {
            Tensor logits = classifier.forward(encoder.forward(views));
            return new PretextLoss(scope.MoveToOuter(Distillation(logits, targets)), Agreement(logits, targets, scope));
        }

        LabelledImages labelled = _labelled
            ?? throw new InvalidOperationException("This distillation objective was built without its labelled images: it can be exported, not trained.");
        (Tensor labelledPixels, Tensor labels) = labelled.Draw(_labelledTerm.BatchSize, generator, pixels.device);
        Tensor both = classifier.forward(encoder.forward(cat([views, _augmentation.Apply(labelledPixels, generator)], 0)));
        Tensor unlabelledLogits = both.narrow(0, 0, views.shape[0]);
        Tensor supervised = F.cross_entropy(both.narrow(0, views.shape[0], labels.shape[0]), labels);
        Tensor loss = Distillation(unlabelledLogits, targets).add(supervised.mul(_labelledTerm.Weight));
        Dictionary<string, Tensor> terms = Agreement(unlabelledLogits, targets, scope);
        terms["labelled"] = scope.MoveToOuter(supervised.detach());
        return new PretextLoss(scope.MoveToOuter(loss), terms);
    }

    // The cross-entropy with the teacher's softened targets, times τ².
    private Tensor Distillation(Tensor logits, Tensor targets) =>
        targets.mul(logits.div(_temperature).log_softmax(1)).sum(1).mean().neg().mul(_temperature * _temperature);

    // How often the student already picks the teacher's class: the loss alone cannot say, soft targets never reach 0.
    private static Dictionary<string, Tensor> Agreement(Tensor logits, Tensor targets, DisposeScope scope) => new()
    {
        ["agreement"] = scope.MoveToOuter(logits.argmax(1).eq(targets.argmax(1)).to(ScalarType.Float32).mean().detach()),
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _teachers.Dispose();
            _labelled?.Dispose();
        }
        base.Dispose(disposing);
    }
}
