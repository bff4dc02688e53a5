using static TorchSharp.torch;

namespace Pipeline.Training.Optimization;

/// <summary>
/// Adam (Kingma and Ba 2015) with decoupled weight decay (AdamW, Loshchilov and Hutter 2019): decay shrinks the
/// weights directly instead of entering the moment estimates.
/// </summary>
public sealed class AdamWOptimizer : PretrainingOptimizer
{
    private readonly Dictionary<OptimizedParameter, (Tensor First, Tensor Second)> _moments = new();

    /// <param name="parameters">What to train.</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1); the paper's 0.9.</param>
    /// <param name="beta2">Decay of the second-moment estimate, in [0, 1); the paper's 0.999.</param>
    /// <param name="epsilon">Added to the denominator; the paper's 1e-8.</param>
    /// <param name="weightDecay">Decoupled decay coefficient, for parameters that decay.</param>
    public AdamWOptimizer(IReadOnlyList<OptimizedParameter> parameters, double beta1, double beta2, double epsilon,
        double weightDecay) : base(parameters, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW betas must be in [0, 1), not ({beta1}, {beta2}).");
        }
        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"AdamW epsilon must be positive, not {epsilon}.");
        }
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        foreach (OptimizedParameter parameter in parameters)
        {
            _moments[parameter] = (AddSlot(parameter, "adam_m"), AddSlot(parameter, "adam_v"));
        }
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    protected override void Update(OptimizedParameter parameter, Tensor gradient, double learningRate, long stepNumber)
    {
        (Tensor first, Tensor second) = _moments[parameter];
        if (parameter.Decays && WeightDecay > 0)
        {
            parameter.Parameter.mul_(1 - learningRate * WeightDecay);
        }
        first.mul_(Beta1).add_(gradient, 1 - Beta1);
        second.mul_(Beta2).addcmul_(gradient, gradient, 1 - Beta2);
        double firstCorrection = 1 - Math.Pow(Beta1, stepNumber);
        double secondCorrection = 1 - Math.Pow(Beta2, stepNumber);
        Tensor denominator = second.sqrt().div_(Math.Sqrt(secondCorrection)).add_(Epsilon);
        parameter.Parameter.addcdiv_(first, denominator, -learningRate / firstCorrection);
    }
}
