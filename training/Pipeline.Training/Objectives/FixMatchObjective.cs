using Pipeline.Data.SafeTensors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.Encoders;
using Pipeline.Training.SemiSupervised;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Pipeline.Training.Objectives;

/// <summary>
/// FixMatch (Sohn et al. 2020): the encoder plus a linear head minimise ℓ_s + λ_u ℓ_u, where ℓ_s is the cross-entropy
/// of weak views of a batch of labelled images and ℓ_u = (1/μB) Σ 1[max p(y | weak(u)) ≥ τ] H(argmax p(y | weak(u)),
/// p(y | strong(u))) over the training images u: the model's own confident prediction on a weak view is the hard label
/// of a strong view of the same image, so what it has learnt spreads to the images that look like those it is sure of.
/// </summary>
/// <remarks>
/// The weak views are read without gradients, in training mode (batch statistics, as the paper's single batch); the
/// labelled and strong views go through the model together. Starting from a distilled student (SimCLRv2's third step)
/// the pseudo-labels are good from the first step; from a pretraining checkpoint the head starts random and the
/// labelled term trains it while few predictions pass the threshold.
/// </remarks>
public sealed class FixMatchObjective : PretextObjective, IClassifierObjective
{
    // Field names are the state-dict keys, the same as DistillationObjective's, so a distilled student loads as it is.
    private readonly Encoder encoder;
    private readonly Linear classifier;
    private readonly SimClrAugmentation _weak;
    private readonly SimClrAugmentation _strong;
    private readonly FixMatchSettings _settings;
    private readonly LabelledImages? _labelled;

    /// <param name="encoder">The encoder, filled from <see cref="FixMatchSettings.StudentInit"/>.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="labelled">The labelled images to train on; null when the objective is only rebuilt to read a checkpoint
    /// (export, evaluation). The objective owns and disposes them.</param>
    public FixMatchObjective(Encoder encoder, FixMatchSettings settings, LabelledImages? labelled) : base(nameof(FixMatchObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        this.encoder = encoder;
        classifier = nn.Linear(encoder.EmbeddingDim, settings.ClassNames.Length);
        _weak = new SimClrAugmentation(settings.WeakAugmentation, encoder.Spec.InputChannels, encoder.Spec.InputHeight, encoder.Spec.InputWidth);
        _strong = new SimClrAugmentation(settings.StrongAugmentation, encoder.Spec.InputChannels, encoder.Spec.InputHeight, encoder.Spec.InputWidth);
        _settings = settings;
        RegisterComponents();
        SafeTensorsContent start = SafeTensorsFile.Read(settings.StudentInit);
        if (Checkpoint.HoldsModule(start, nameof(classifier)))
        {
            Checkpoint.LoadModel(start, this);
        }
        else
        {
            Checkpoint.LoadModel(start, encoder, EncoderModuleName);
        }
        _labelled = labelled;
    }

    public override string Method => PretextMethods.FixMatch;

    public override Encoder Encoder => encoder;

    /// <inheritdoc />
    public Linear Classifier => classifier;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => _settings.ClassNames;

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        LabelledImages labelled = _labelled
            ?? throw new InvalidOperationException("This FixMatch objective was built without its labelled images: it can be exported, not trained.");
        using var scope = NewDisposeScope();
        (Tensor labelledPixels, Tensor labels) = labelled.Draw(_settings.LabelledBatchSize, generator, pixels.device);
        Tensor labelledViews = _weak.Apply(labelledPixels, generator);
        Tensor weakViews = _weak.Apply(pixels, generator);
        Tensor strongViews = _strong.Apply(pixels, generator);
        Tensor probabilities;
        using (no_grad())
        {
            probabilities = classifier.forward(encoder.forward(weakViews)).softmax(1);      // [u, classes]
        }
        (Tensor confidence, Tensor pseudoLabels) = probabilities.max(1);
        Tensor confident = confidence.ge(_settings.Confidence).to(ScalarType.Float32);    // [u]
        Tensor logits = classifier.forward(encoder.forward(cat([labelledViews, strongViews], 0)));
        long labelledCount = labels.shape[0];
        Tensor supervised = F.cross_entropy(logits.narrow(0, 0, labelledCount), labels);
        Tensor unsupervised = F.cross_entropy(logits.narrow(0, labelledCount, pixels.shape[0]), pseudoLabels, reduction: nn.Reduction.None)
            .mul(confident).mean();
        Tensor loss = supervised.add(unsupervised.mul(_settings.UnlabelledWeight));
        return new PretextLoss(scope.MoveToOuter(loss), new Dictionary<string, Tensor>
        {
            ["labelled"] = scope.MoveToOuter(supervised.detach()),
            ["unlabelled"] = scope.MoveToOuter(unsupervised.detach()),
            // The share of training images whose weak view passed the threshold: how much of the data is being used.
            ["confident"] = scope.MoveToOuter(confident.mean()),
        });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _labelled?.Dispose();
        }
        base.Dispose(disposing);
    }
}
