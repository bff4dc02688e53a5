namespace Pipeline.Onnx.Tests.Autodiff;

public sealed class ElementwiseGradientTests
{
    private const double Tolerance = 1e-3;

    public static TheoryData<string, long[], long[]> BroadcastCases => new()
    {
        { "Add", [2, 3, 4, 4], [2, 3, 4, 4] },
        { "Add", [2, 3, 4, 4], [1, 3, 1, 1] },
        { "Add", [5, 3], [3] },
        { "Sub", [2, 3, 4, 4], [3, 1, 1] },
        { "Sub", [4], [3, 4] },
        { "Mul", [2, 3, 4, 4], [1, 3, 1, 1] },
        { "Mul", [5, 3], [5, 1] },
        { "Div", [2, 3, 4, 4], [1, 3, 1, 1] },
        { "Div", [5, 3], [3] },
    };

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BinaryOperator_WithBroadcasting_MatchesFiniteDifferences(string opType, long[] leftShape, long[] rightShape)
    {
        long Count(long[] shape) => shape.Aggregate(1L, (p, d) => p * d);
        Operand[] operands =
        [
            new("a", leftShape, GradientCheck.Values(Count(leftShape), 1)),
            // Divisors stay away from 0, where 1/b is steep and finite differences lose their precision.
            new("b", rightShape, GradientCheck.Values(Count(rightShape), 2, 0.5, 2, signed: true)),
        ];

        Assert.InRange(GradientCheck.RelativeError(opType, operands), 0, Tolerance);
    }

    [Fact]
    public void Relu_AwayFromItsKink_MatchesFiniteDifferences()
    {
        // |x| ≥ 0.05 > the step, so no difference quotient straddles 0.
        Operand[] operands = [new("x", [3, 4, 5], GradientCheck.Values(60, 1, 0.05, 1, signed: true))];

        Assert.InRange(GradientCheck.RelativeError("Relu", operands), 0, Tolerance);
    }

    [Fact]
    public void Identity_PassesTheGradientThrough()
    {
        Operand[] operands = [new("x", [3, 4], GradientCheck.Values(12, 1))];

        Assert.InRange(GradientCheck.RelativeError("Identity", operands), 0, Tolerance);
    }
}
