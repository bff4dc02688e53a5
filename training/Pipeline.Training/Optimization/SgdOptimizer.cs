using static TorchSharp.torch;

namespace Pipeline.Training.Optimization;

/// <summary>
/// Stochastic gradient descent with heavy-ball momentum and L2 weight decay, as torch.optim.SGD:
/// b ← μ·b + (g + λ·w), w ← w − η·b.
/// </summary>
public sealed class SgdOptimizer : PretrainingOptimizer
{
    private readonly Dictionary<OptimizedParameter, Tensor> _momentum = new();

    /// <param name="parameters">What to train.</param>
    /// <param name="momentum">μ in [0, 1); 0.9 is the usual choice.</param>
    /// <param name="weightDecay">λ, for parameters that decay.</param>
    public SgdOptimizer(IReadOnlyList<OptimizedParameter> parameters, double momentum, double weightDecay)
        : base(parameters, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"SGD momentum must be in [0, 1), not {momentum}.");
        }
        Momentum = momentum;
        foreach (OptimizedParameter parameter in parameters)
        {
            _momentum[parameter] = AddSlot(parameter, "momentum");
        }
    }

    public double Momentum { get; }

    protected override void Update(OptimizedParameter parameter, Tensor gradient, double learningRate, long stepNumber)
    {
        Tensor step = parameter.Decays && WeightDecay > 0 ? gradient.add(parameter.Parameter, WeightDecay) : gradient;
        Tensor buffer = _momentum[parameter];
        buffer.mul_(Momentum).add_(step);
        parameter.Parameter.add_(buffer, -learningRate);
    }
}
