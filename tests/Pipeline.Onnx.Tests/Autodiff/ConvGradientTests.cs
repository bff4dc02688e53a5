using Pipeline.Onnx.Autodiff;
using Xunit.Abstractions;

namespace Pipeline.Onnx.Tests.Autodiff;

public sealed class ConvGradientTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-3;

    [Theory]
    // The encoders' own: 3×3, stride 1, pad 1.
    [InlineData(7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true)]
    // Stride 2 with uneven padding and a 3×2 kernel: rows the stride leaves unused, output_padding and the kernel slice.
    [InlineData(9, 8, 3, 2, 2, 2, 1, 1, 1, 0, 2, 1, true)]
    // Dilation 2.
    [InlineData(9, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, false)]
    // A 1×1 stride-3 projection (a residual shortcut's shape) whose last input row is never read.
    [InlineData(8, 8, 1, 1, 3, 3, 1, 1, 0, 0, 0, 0, false)]
    public void Conv_GradientsOfInputWeightAndBias_MatchFiniteDifferences(int height, int width, int kernelHeight, int kernelWidth,
        int strideY, int strideX, int dilationY, int dilationX, int padTop, int padLeft, int padBottom, int padRight, bool bias)
    {
        var operands = new List<Operand>
        {
            new("x", [2, 3, height, width], GradientCheck.Values(2 * 3 * height * width, 1)),
            new("w", [4, 3, kernelHeight, kernelWidth], GradientCheck.Values(4 * 3 * kernelHeight * kernelWidth, 2)),
        };
        if (bias)
        {
            operands.Add(new Operand("b", [4], GradientCheck.Values(4, 3)));
        }

        double error = GradientCheck.RelativeError("Conv", operands,
        [
            OnnxAttributes.Ints("kernel_shape", [kernelHeight, kernelWidth]),
            OnnxAttributes.Ints("strides", [strideY, strideX]),
            OnnxAttributes.Ints("dilations", [dilationY, dilationX]),
            OnnxAttributes.Ints("pads", [padTop, padLeft, padBottom, padRight]),
        ]);

        output.WriteLine($"relative error {error:G3}");
        Assert.InRange(error, 0, Tolerance);
    }

    [Fact]
    public void Conv_WithDynamicBatchAndSamePadding_MatchesFiniteDifferences()
    {
        Operand[] operands =
        [
            new("x", [3, 2, 6, 6], GradientCheck.Values(3 * 2 * 36, 4), DynamicBatch: true),
            new("w", [5, 2, 3, 3], GradientCheck.Values(5 * 2 * 9, 5)),
            new("b", [5], GradientCheck.Values(5, 6)),
        ];

        double error = GradientCheck.RelativeError("Conv", operands,
            [OnnxAttributes.Ints("strides", [2, 2]), OnnxAttributes.String("auto_pad", "SAME_UPPER")]);

        Assert.InRange(error, 0, Tolerance);
    }

    [Fact]
    public void Conv_Grouped_IsRefusedNamingTheNode()
    {
        Operand[] operands =
        [
            new("x", [1, 4, 5, 5], GradientCheck.Values(100, 1)),
            new("w", [4, 2, 3, 3], GradientCheck.Values(72, 2)),
        ];

        var error = Assert.Throws<UnsupportedOperatorException>(() =>
            GradientCheck.RelativeError("Conv", operands, [OnnxAttributes.Int("group", 2)]));

        Assert.Equal("Conv", error.OpType);
        Assert.Contains("'node_under_test'", error.Message);
        Assert.Contains("group 2", error.Message);
    }
}
