using Onnx;
using Pipeline.Onnx.Autodiff;

namespace Pipeline.Onnx.Tests.Autodiff;

public sealed class ReverseModeDifferentiatorTests
{
    [Fact]
    public void ValueReadTwice_GetsTheSumOfBothGradients()
    {
        // h = x·w is read by the Relu and by the Add, as a residual connection reads its block input.
        Operand[] operands =
        [
            new("x", [5, 4], GradientCheck.Values(20, 1), Differentiate: false),
            new("w", [4, 3], GradientCheck.Values(12, 2)),
        ];

        double error = GradientCheck.RelativeError(operands, (builder, inputs) =>
        {
            string h = builder.AddNode("MatMul", "h", [inputs[0], inputs[1]]);
            return builder.AddNode("Add", "residual", [builder.AddNode("Relu", "relu", [h]), h]);
        });

        Assert.InRange(error, 0, 1e-3);
    }

    [Fact]
    public void FrozenBranchWithoutARule_IsNotDifferentiated()
    {
        // MaxPool has no rule, but it only reads x, which does not depend on the trained w.
        Operand[] operands =
        [
            new("x", [2, 3, 4, 4], GradientCheck.Values(96, 1), Differentiate: false),
            new("w", [3, 1, 1], GradientCheck.Values(3, 2)),
        ];

        double error = GradientCheck.RelativeError(operands, (builder, inputs) =>
        {
            string pooled = builder.AddNode("MaxPool", "pool", [inputs[0]],
                [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2])]);
            return builder.AddNode("Mul", "scale", [pooled, inputs[1]]);
        });

        Assert.InRange(error, 0, 1e-3);
    }

    [Fact]
    public void WantedValueThatDoesNotReachTheObjective_IsRefusedNamingIt()
    {
        var builder = new OnnxGraphBuilder("g");
        string x = builder.AddInput("x", 3);
        builder.AddTensorInput("unused", TensorProto.Types.DataType.Float, [3]);
        string y = builder.AddNode("Relu", "relu", [x]);
        var shapes = new Dictionary<string, long[]> { [x] = [-1, 3], [y] = [-1, 3], ["unused"] = [3] };

        var error = Assert.Throws<InvalidOperationException>(() => new ReverseModeDifferentiator(GradientRules.Standard)
            .Differentiate(builder, builder.Nodes.ToArray(), shapes, new Dictionary<string, string> { [y] = x }, ["unused"]));

        Assert.Contains("'unused' does not reach the objective", error.Message);
    }
}
