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

    [Theory]
    [InlineData(new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 0, 0, 0, 0 })]
    [InlineData(new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1, 1, 1 })]
    [InlineData(new long[] { 3, 2 }, new long[] { 1, 2 }, new long[] { 0, 1, 0, 0 })]
    public void MaxPool_MatchesFiniteDifferences_ForDisjointAndOverlappingWindows(long[] kernel, long[] strides, long[] pads)
    {
        // A permutation of well-separated values: a step of h never changes which value is a window's maximum.
        var random = new Random(3);
        float[] values = Enumerable.Range(0, 2 * 3 * 6 * 5).Select(i => 0.1f * i - 9f).OrderBy(_ => random.Next()).ToArray();
        Operand[] operands = [new("x", [2, 3, 6, 5], values, DynamicBatch: true)];

        Assert.InRange(GradientCheck.RelativeError("MaxPool", operands,
            [OnnxAttributes.Ints("kernel_shape", kernel), OnnxAttributes.Ints("strides", strides), OnnxAttributes.Ints("pads", pads)]), 0, Tolerance);
    }

    [Fact]
    public void MaxPool_WithColumnMajorIndices_IsRefusedNamingTheNode()
    {
        Operand[] operands = [new("x", [1, 2, 4, 4], GradientCheck.Values(32, 1))];

        var error = Assert.Throws<UnsupportedOperatorException>(() => GradientCheck.RelativeError("MaxPool", operands,
            [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2]), OnnxAttributes.Int("storage_order", 1)]));

        Assert.Equal("MaxPool", error.OpType);
        Assert.Equal("node_under_test", error.NodeName);
        Assert.Contains("storage_order 0", error.Message);
    }

    [Fact]
    public void AveragePool_HasNoRule_AndIsRefusedNamingOperatorAndNode()
    {
        Operand[] operands = [new("x", [1, 2, 4, 4], GradientCheck.Values(32, 1))];

        var error = Assert.Throws<UnsupportedOperatorException>(() =>
            GradientCheck.RelativeError("AveragePool", operands, [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2])]));

        Assert.Equal("AveragePool", error.OpType);
        Assert.Equal("node_under_test", error.NodeName);
        Assert.Contains("No gradient rule for AveragePool (node 'node_under_test')", error.Message);
    }
}
