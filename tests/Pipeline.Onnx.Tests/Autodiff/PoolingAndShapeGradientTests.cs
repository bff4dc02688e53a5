using Pipeline.Onnx.Autodiff;

namespace Pipeline.Onnx.Tests.Autodiff;

public sealed class PoolingAndShapeGradientTests
{
    private const double Tolerance = 1e-3;

    [Fact]
    public void GlobalAveragePool_MatchesFiniteDifferences()
    {
        Operand[] operands = [new("x", [2, 3, 5, 4], GradientCheck.Values(120, 1), DynamicBatch: true)];

        Assert.InRange(GradientCheck.RelativeError("GlobalAveragePool", operands), 0, Tolerance);
    }

    [Fact]
    public void Flatten_MatchesFiniteDifferences()
    {
        Operand[] operands = [new("x", [2, 3, 2, 2], GradientCheck.Values(24, 1), DynamicBatch: true)];

        Assert.InRange(GradientCheck.RelativeError("Flatten", operands, [OnnxAttributes.Int("axis", 1)]), 0, Tolerance);
    }

    [Fact]
    public void Reshape_MatchesFiniteDifferences()
    {
        Operand[] operands = [new("x", [2, 3, 4], GradientCheck.Values(24, 1))];

        Assert.InRange(GradientCheck.RelativeError("Reshape", operands, int64Inputs: [("shape", [0, 2, -1])]), 0, Tolerance);
    }

    [Fact]
    public void BatchNormalization_ScaleBiasAndInput_MatchFiniteDifferences()
    {
        Operand[] operands =
        [
            new("x", [2, 3, 4, 4], GradientCheck.Values(96, 1)),
            new("scale", [3], GradientCheck.Values(3, 2, 0.5, 1.5)),
            new("bias", [3], GradientCheck.Values(3, 3)),
            new("mean", [3], GradientCheck.Values(3, 4), Differentiate: false),
            new("variance", [3], GradientCheck.Values(3, 5, 0.5, 2), Differentiate: false),
        ];

        Assert.InRange(GradientCheck.RelativeError("BatchNormalization", operands, [OnnxAttributes.Float("epsilon", 1e-3f)]), 0, Tolerance);
    }

    [Fact]
    public void MaxPool_HasNoRule_AndIsRefusedNamingOperatorAndNode()
    {
        Operand[] operands = [new("x", [1, 2, 4, 4], GradientCheck.Values(32, 1))];

        var error = Assert.Throws<UnsupportedOperatorException>(() =>
            GradientCheck.RelativeError("MaxPool", operands, [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2])]));

        Assert.Equal("MaxPool", error.OpType);
        Assert.Equal("node_under_test", error.NodeName);
        Assert.Contains("No gradient rule for MaxPool (node 'node_under_test')", error.Message);
    }
}
