using Pipeline.Training.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Optimization;

public sealed class OptimizerTests
{
    [Fact]
    public void Sgd_TwoSteps_FollowHeavyBallWithWeightDecay()
    {
        (OptimizedParameter weight, OptimizedParameter bias) = Parameters();
        using var sgd = new SgdOptimizer([weight, bias], momentum: 0.9, weightDecay: 0.1);

        SetGradients(weight, bias, 1f);
        sgd.Step(0.5, 1);
        SetGradients(weight, bias, 1f);
        sgd.Step(0.5, 2);

        // weight: w=2, g=1 → b1 = 1 + 0.1·2 = 1.2, w1 = 2 − 0.6 = 1.4; b2 = 0.9·1.2 + 1 + 0.14 = 2.22, w2 = 1.4 − 1.11 = 0.29.
        Assert.Equal(0.29f, weight.Parameter[0, 0].item<float>(), 5);
        // bias decays not: b1 = 1, x1 = 2 − 0.5 = 1.5; b2 = 1.9, x2 = 1.5 − 0.95 = 0.55.
        Assert.Equal(0.55f, bias.Parameter[0].item<float>(), 5);
    }

    [Fact]
    public void AdamW_FirstStep_MovesEachWeightByTheLearningRate()
    {
        (OptimizedParameter weight, OptimizedParameter bias) = Parameters();
        using var adam = new AdamWOptimizer([weight, bias], 0.9, 0.999, 1e-8, weightDecay: 0);

        SetGradients(weight, bias, 3f);
        adam.Step(0.01, 1);

        // Bias-corrected m/√v is the sign of the gradient on the first step.
        Assert.Equal(1.99f, weight.Parameter[0, 0].item<float>(), 5);
        Assert.Equal(1.99f, bias.Parameter[0].item<float>(), 5);
    }

    [Fact]
    public void AdamW_WeightDecay_IsDecoupledAndSkipsBiases()
    {
        (OptimizedParameter weight, OptimizedParameter bias) = Parameters();
        using var adam = new AdamWOptimizer([weight, bias], 0.9, 0.999, 1e-8, weightDecay: 0.5);

        SetGradients(weight, bias, 3f);
        adam.Step(0.1, 1);

        // w ← w·(1 − lr·λ) − lr·sign(g) = 2·0.95 − 0.1; the bias only takes the gradient step.
        Assert.Equal(1.8f, weight.Parameter[0, 0].item<float>(), 5);
        Assert.Equal(1.9f, bias.Parameter[0].item<float>(), 5);
    }

    [Fact]
    public void Lars_ScalesTheStepByTheTrustRatio()
    {
        (OptimizedParameter weight, OptimizedParameter bias) = Parameters();
        using var lars = new LarsOptimizer([weight, bias], momentum: 0.9, weightDecay: 0, trustCoefficient: 0.001);

        SetGradients(weight, bias, 4f);
        lars.Step(1.0, 1);

        // ‖w‖ = 2·2 (four 2s), ‖g‖ = 4·2: trust = 0.001·4/8 → step 4·0.0005 = 0.002 per weight.
        Assert.Equal(1.998f, weight.Parameter[0, 0].item<float>(), 6);
        // Biases are not adapted: the plain gradient step.
        Assert.Equal(-2f, bias.Parameter[0].item<float>(), 6);
    }

    [Fact]
    public void LoadState_RestoresMomentumExactly()
    {
        (OptimizedParameter weight, OptimizedParameter bias) = Parameters();
        using var first = new SgdOptimizer([weight, bias], 0.9, 0);
        SetGradients(weight, bias, 1f);
        first.Step(0.1, 1);

        (OptimizedParameter weight2, OptimizedParameter bias2) = Parameters();
        using var second = new SgdOptimizer([weight2, bias2], 0.9, 0);
        second.LoadState(first.State);

        Assert.Equal(first.State.Keys.Order(), second.State.Keys.Order());
        foreach ((string name, Tensor value) in first.State)
        {
            Assert.True(value.allclose(second.State[name], 0, 0), name);
        }
    }

    [Fact]
    public void Collect_ExcludesBiasesAndNormalisationFromDecay()
    {
        using var model = nn.Sequential(("linear", nn.Linear(4, 3)), ("bn", nn.BatchNorm1d(3)));

        IReadOnlyList<OptimizedParameter> parameters = OptimizedParameter.Collect(model);

        Assert.Equal(["linear.weight"], parameters.Where(p => p.Decays).Select(p => p.Name));
        Assert.Equal(["bn.bias", "bn.weight", "linear.bias"], parameters.Where(p => !p.Decays).Select(p => p.Name).Order());
    }

    [Fact]
    public void Sgd_MomentumOutOfRange_IsRefused()
    {
        (OptimizedParameter weight, _) = Parameters();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SgdOptimizer([weight], 1.0, 0));
        Assert.Contains("[0, 1)", error.Message);
    }

    private static (OptimizedParameter Weight, OptimizedParameter Bias) Parameters() => (
        new OptimizedParameter("w", new Parameter(full(2, 2, 2f)), Decays: true),
        new OptimizedParameter("b", new Parameter(full(2, 2f)), Decays: false));

    private static void SetGradients(OptimizedParameter weight, OptimizedParameter bias, float value)
    {
        weight.Parameter.grad = full_like(weight.Parameter, value);
        bias.Parameter.grad = full_like(bias.Parameter, value);
    }
}
