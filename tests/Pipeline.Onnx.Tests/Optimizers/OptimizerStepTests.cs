using Onnx;
using Pipeline.Onnx.Optimizers;
using Pipeline.Onnx.Tests.FineTuning;

namespace Pipeline.Onnx.Tests.Optimizers;

/// <summary>The in-graph updates against PyTorch's formulas computed here in double precision, over steps that feed back.</summary>
public sealed class OptimizerStepTests
{
    private static readonly float[] Gradients1 = [0.5f, -0.25f, 1e-3f, -2f];
    private static readonly float[] Gradients2 = [-0.1f, 0.3f, 0.2f, 1f];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AdamW_ThreeSteps_MatchTorchOptimAdamW(bool decays)
    {
        var optimizer = new AdamWStep(Beta1: 0.8, Beta2: 0.95, Epsilon: 1e-6, WeightDecay: 0.1);
        double[] p = [0.3, -0.7, 0.05, 1.2], m = new double[4], v = new double[4];
        float[] parameter = p.Select(x => (float)x).ToArray(), first = new float[4], second = new float[4];
        double[] rates = [1e-2, 5e-3, 2e-2];

        for (int step = 1; step <= 3; step++)
        {
            float[] gradient = step % 2 == 1 ? Gradients1 : Gradients2;
            Dictionary<string, float[]> outputs = Run(optimizer, parameter, gradient, [first, second], (float)rates[step - 1], step, decays);
            (parameter, first, second) = (outputs["p"], outputs["s0"], outputs["s1"]);

            // torch.optim.AdamW, single-tensor path.
            double lr = rates[step - 1];
            for (int i = 0; i < 4; i++)
            {
                if (decays)
                {
                    p[i] *= 1 - lr * 0.1;
                }
                m[i] = 0.8 * m[i] + 0.2 * gradient[i];
                v[i] = 0.95 * v[i] + 0.05 * gradient[i] * gradient[i];
                double denominator = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.95, step)) + 1e-6;
                p[i] -= lr / (1 - Math.Pow(0.8, step)) * m[i] / denominator;
            }
            AssertClose(p, parameter);
            AssertClose(m, first);
            AssertClose(v, second);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SgdMomentum_ThreeSteps_MatchTorchOptimSgd(bool decays)
    {
        var optimizer = new SgdMomentumStep(Momentum: 0.9, WeightDecay: 0.01);
        double[] p = [0.3, -0.7, 0.05, 1.2], buffer = new double[4];
        float[] parameter = p.Select(x => (float)x).ToArray(), momentum = new float[4];

        for (int step = 1; step <= 3; step++)
        {
            float[] gradient = step % 2 == 1 ? Gradients1 : Gradients2;
            Dictionary<string, float[]> outputs = Run(optimizer, parameter, gradient, [momentum], 0.1f, step, decays);
            (parameter, momentum) = (outputs["p"], outputs["s0"]);

            for (int i = 0; i < 4; i++)
            {
                double g = gradient[i] + (decays ? 0.01 * p[i] : 0);
                buffer[i] = step == 1 ? g : 0.9 * buffer[i] + g;
                p[i] -= 0.1 * buffer[i];
            }
            AssertClose(p, parameter);
            AssertClose(buffer, momentum);
        }
    }

    [Fact]
    public void AdamW_BetaOutOfRange_IsRefusedWithBothValues()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdamWStep(Beta1: 1.0).Validate());

        Assert.Contains("(1, 0.999)", error.Message);
    }

    private static Dictionary<string, float[]> Run(OptimizerStep optimizer, float[] parameter, float[] gradient, float[][] state,
        float learningRate, long step, bool decays)
    {
        var builder = new OnnxGraphBuilder("step");
        string p = builder.AddTensorInput("p_in", TensorProto.Types.DataType.Float, [4]);
        string g = builder.AddTensorInput("g", TensorProto.Types.DataType.Float, [4]);
        string[] slots = state.Select((_, i) => builder.AddTensorInput($"s{i}_in", TensorProto.Types.DataType.Float, [4])).ToArray();
        string lr = builder.AddTensorInput("lr", TensorProto.Types.DataType.Float, []);
        string t = builder.AddTensorInput("t", TensorProto.Types.DataType.Int64, []);
        IReadOnlyList<string> updated = optimizer.Emit(builder, lr, t, [new ParameterUpdate(p, g, slots, decays)])[0];
        string[] names = ["p", .. state.Select((_, i) => $"s{i}")];
        for (int i = 0; i < names.Length; i++)
        {
            builder.AddTensorOutput(builder.AddNode("Identity", "out_" + names[i], [updated[i]], output: names[i]), TensorProto.Types.DataType.Float, [4]);
        }
        var inputs = new Dictionary<string, (Array, long[])>
        {
            [p] = (parameter, [4]), [g] = (gradient, [4]), [lr] = (new[] { learningRate }, []), [t] = (new[] { step }, []),
        };
        for (int i = 0; i < state.Length; i++)
        {
            inputs[slots[i]] = (state[i], [4]);
        }
        return OrtRun.Run(builder.Build("tests", "1"), inputs);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])),
                $"[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}");
        }
    }
}
