namespace Pipeline.Onnx.Tests.Autodiff;

public sealed class GemmGradientTests
{
    private const double Tolerance = 1e-3;

    [Theory]
    [InlineData(0, 0, 1.0f, 1.0f)]
    [InlineData(0, 1, 1.0f, 1.0f)]
    [InlineData(1, 0, 0.5f, 2.0f)]
    [InlineData(1, 1, 1.5f, 0.25f)]
    public void Gemm_EveryTransposeAndScale_MatchesFiniteDifferences(int transA, int transB, float alpha, float beta)
    {
        const int m = 5, k = 4, n = 3;
        Operand[] operands =
        [
            new("a", transA == 1 ? [k, m] : [m, k], GradientCheck.Values(m * k, 1)),
            new("b", transB == 1 ? [n, k] : [k, n], GradientCheck.Values(k * n, 2)),
            new("c", [n], GradientCheck.Values(n, 3)),
        ];

        double error = GradientCheck.RelativeError("Gemm", operands,
        [
            OnnxAttributes.Int("transA", transA), OnnxAttributes.Int("transB", transB),
            OnnxAttributes.Float("alpha", alpha), OnnxAttributes.Float("beta", beta),
        ]);

        Assert.InRange(error, 0, Tolerance);
    }

    [Theory]
    [InlineData(new long[] { 1, 3 })]
    [InlineData(new long[] { 6, 1 })]
    [InlineData(new long[] { 6, 3 })]
    [InlineData(new long[] { })]
    public void Gemm_BiasOfEveryBroadcastShape_MatchesFiniteDifferences(long[] biasShape)
    {
        Operand[] operands =
        [
            new("a", [6, 4], GradientCheck.Values(24, 1)),
            new("b", [3, 4], GradientCheck.Values(12, 2)),
            new("c", biasShape, GradientCheck.Values(biasShape.Aggregate(1L, (p, d) => p * d), 3)),
        ];

        double error = GradientCheck.RelativeError("Gemm", operands, [OnnxAttributes.Int("transB", 1)]);

        Assert.InRange(error, 0, Tolerance);
    }

    [Fact]
    public void Gemm_LinearLayerWithDynamicBatch_MatchesFiniteDifferences()
    {
        Operand[] operands =
        [
            new("x", [7, 5], GradientCheck.Values(35, 1), DynamicBatch: true),
            new("w", [3, 5], GradientCheck.Values(15, 2)),
            new("b", [3], GradientCheck.Values(3, 3)),
        ];

        Assert.InRange(GradientCheck.RelativeError("Gemm", operands, [OnnxAttributes.Int("transB", 1)]), 0, Tolerance);
    }

    [Theory]
    [InlineData(new long[] { 6, 4 })]
    [InlineData(new long[] { 2, 3, 4 })]
    public void MatMul_ByAWeightMatrix_MatchesFiniteDifferences(long[] inputShape)
    {
        Operand[] operands =
        [
            new("a", inputShape, GradientCheck.Values(inputShape.Aggregate(1L, (p, d) => p * d), 1)),
            new("b", [4, 5], GradientCheck.Values(20, 2)),
        ];

        Assert.InRange(GradientCheck.RelativeError("MatMul", operands), 0, Tolerance);
    }

    [Fact]
    public void MatMul_BatchedRightOperand_IsRefusedNamingTheNode()
    {
        Operand[] operands =
        [
            new("a", [2, 3, 4], GradientCheck.Values(24, 1)),
            new("b", [2, 4, 5], GradientCheck.Values(40, 2)),
        ];

        var error = Assert.Throws<Pipeline.Onnx.Autodiff.UnsupportedOperatorException>(() => GradientCheck.RelativeError("MatMul", operands));

        Assert.Contains("MatMul node 'node_under_test'", error.Message);
    }
}
