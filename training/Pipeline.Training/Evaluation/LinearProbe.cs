using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// The linear evaluation protocol on frozen embeddings: a multinomial logistic regression trained on standardised
/// features of the labelled images, then scored on the test images.
/// </summary>
/// <remarks>
/// The regularisation is scikit-learn's LogisticRegression default (C = 1, i.e. ½‖W‖² added to the summed
/// cross-entropy), so the raw-pixel baselines in DESIGN.md, computed that way, compare like with like. The problem is
/// convex; full-batch Adam on a cosine schedule reaches its optimum to well under 0.1% accuracy in the default steps.
/// </remarks>
public sealed class LinearProbe
{
    /// <param name="steps">Full-batch optimisation steps.</param>
    /// <param name="learningRate">Adam's peak learning rate.</param>
    /// <param name="inverseRegularization">C of scikit-learn: larger means weaker L2 regularisation.</param>
    public LinearProbe(int steps = 1000, double learningRate = 0.05, double inverseRegularization = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (!(learningRate > 0) || !(inverseRegularization > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate),
                $"The probe's learning rate and C must be positive, not {learningRate} and {inverseRegularization}.");
        }
        Steps = steps;
        LearningRate = learningRate;
        InverseRegularization = inverseRegularization;
    }

    public int Steps { get; }

    public double LearningRate { get; }

    public double InverseRegularization { get; }

    /// <summary>
    /// Fits on (features, labels) and returns the predicted classes of the test features, int64 [Q]; the cancellation
    /// token is checked at every optimisation step.
    /// </summary>
    public Tensor FitPredict(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, int classCount, int seed,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testFeatures);
        if (trainFeatures.shape[0] < 1 || trainFeatures.shape[0] != trainLabels.shape[0] || trainFeatures.shape[1] != testFeatures.shape[1])
        {
            throw new ArgumentException(
                $"The probe needs labelled features [N, D] with N labels and test features [Q, D]: got [{string.Join(", ", trainFeatures.shape)}], [{string.Join(", ", trainLabels.shape)}], [{string.Join(", ", testFeatures.shape)}].");
        }

        using var scope = NewDisposeScope();
        long n = trainFeatures.shape[0];
        long d = trainFeatures.shape[1];
        // Standardise with the labelled set's statistics; constant features keep std 1.
        (Tensor std, Tensor mean) = trainFeatures.std_mean(0, unbiased: false, keepdim: true);
        std = where(std.gt(1e-6), std, ones_like(std));
        Tensor x = trainFeatures.sub(mean).div_(std).detach();
        Tensor xTest = testFeatures.sub(mean).div_(std);
        Tensor y = trainLabels.to(ScalarType.Int64);

        random.manual_seed(seed);
        var weight = nn.Parameter(zeros(d, classCount));
        var bias = nn.Parameter(zeros(classCount));
        double l2 = 0.5 / (InverseRegularization * n);
        var optimizer = optim.Adam([weight, bias], LearningRate);
        var schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, Steps);
        for (int step = 0; step < Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            // logits [N, classes]; mean cross-entropy plus ‖W‖²/(2·C·N): scikit-learn's objective divided by N.
            Tensor loss = nn.functional.cross_entropy(x.matmul(weight).add(bias), y).add(weight.square().sum().mul(l2));
            loss.backward();
            optimizer.step();
            schedule.step();
        }
        using var noGrad = no_grad();
        return scope.MoveToOuter(xTest.matmul(weight).add(bias).argmax(1));
    }
}
