using static TorchSharp.torch;

namespace Pipeline.Training.Optimization;

/// <summary>
/// LARS, layer-wise adaptive rate scaling (You et al. 2017), as SimCLR trains with it (Chen et al. 2020, section 2.2;
/// the reference TensorFlow implementation): for a parameter that decays, g ← g + λ·w and then
/// g ← g · η·‖w‖/‖g‖ (1 where either norm is 0); b ← μ·b + lr·g; w ← w − b. Biases and batch-norm parameters skip
/// both the decay and the adaptation.
/// </summary>
public sealed class LarsOptimizer : PretrainingOptimizer
{
    private readonly Dictionary<OptimizedParameter, Tensor> _momentum = new();

    /// <param name="parameters">What to train.</param>
    /// <param name="momentum">μ in [0, 1); SimCLR's 0.9.</param>
    /// <param name="weightDecay">λ; SimCLR's 1e-6.</param>
    /// <param name="trustCoefficient">η; the reference implementation's 0.001.</param>
    public LarsOptimizer(IReadOnlyList<OptimizedParameter> parameters, double momentum, double weightDecay,
        double trustCoefficient) : base(parameters, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"LARS momentum must be in [0, 1), not {momentum}.");
        }
        if (!(trustCoefficient > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(trustCoefficient), trustCoefficient,
                $"LARS trust coefficient must be positive, not {trustCoefficient}.");
        }
        Momentum = momentum;
        TrustCoefficient = trustCoefficient;
        foreach (OptimizedParameter parameter in parameters)
        {
            _momentum[parameter] = AddSlot(parameter, "momentum");
        }
    }

    public double Momentum { get; }

    public double TrustCoefficient { get; }

    protected override void Update(OptimizedParameter parameter, Tensor gradient, double learningRate, long stepNumber)
    {
        Tensor step = gradient;
        if (parameter.Decays)
        {
            if (WeightDecay > 0)
            {
                step = step.add(parameter.Parameter, WeightDecay);
            }
            // Kept on the device: no host round trip per parameter.
            Tensor weightNorm = parameter.Parameter.norm();
            Tensor stepNorm = step.norm();
            Tensor trust = where(weightNorm.gt(0).logical_and(stepNorm.gt(0)),
                weightNorm.div(stepNorm).mul_(TrustCoefficient), ones_like(weightNorm));
            step = step.mul(trust);
        }
        Tensor buffer = _momentum[parameter];
        buffer.mul_(Momentum).add_(step, learningRate);
        parameter.Parameter.sub_(buffer);
    }
}
