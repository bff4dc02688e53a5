namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// A 2-D convolution Y = conv(X, W) + B (group 1, any strides, pads and dilations):
/// dX is the transposed convolution of dY with W, dW the convolution of X with dY taken over the batch, dB the sum of
/// dY over batch and positions.
/// </summary>
/// <remarks>
/// <para>dX = ConvTranspose(dY, W) with the forward strides, dilations and pads; <c>output_padding</c> restores the
/// input rows a stride &gt; 1 drops when the padded input is not a whole number of strides.</para>
/// <para>dW[m, c, i, j] = Σ_{n, y, x} dY[n, m, y, x] · X̂[n, c, y·s + i·d, x·s + j·d] (X̂ padded). That is a
/// convolution of X with the batch as channels — Xᵀ [C, N, H, W] — by dYᵀ [M, N, H', W'] as the kernel, with the
/// forward dilation as its stride and the forward stride as its dilation: output [C, M, ≥kH, ≥kW], sliced to the
/// kernel (rows past it exist when a stride left input rows unused) and transposed to [M, C, kH, kW].</para>
/// </remarks>
public sealed class ConvGradient : GradientRule
{
    public override string OpType => "Conv";

    /// <summary>W and B.</summary>
    public override IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int> { 1, 2 };

    public override void Emit(GradientContext context)
    {
        long[] x = context.InputShape(0), w = context.InputShape(1);
        if (x.Length != 4)
        {
            throw context.Unsupported($"its rule covers 2-D convolutions ([N, C, H, W] input), and this one's input is [{string.Join(", ", x)}].");
        }
        long group = OnnxAttributes.GetInt(context.Node, "group", 1);
        if (group != 1)
        {
            throw context.Unsupported($"grouped and depthwise convolutions (group {group}) have no gradient rule; only group 1.");
        }
        SlidingWindow window = SlidingWindow.Of(context.Node, x[2..], w[2..]);
        string dY = context.OutputGradient;

        if (context.NeedsGradient(0))
        {
            long[] outputPadding = new long[2];
            for (int axis = 0; axis < 2; axis++)
            {
                long span = (window.Kernel[axis] - 1) * window.Dilations[axis] + 1;
                long covered = window.Strides[axis] * (window.Output[axis] - 1) + span - window.PadsBegin[axis] - window.PadsEnd[axis];
                outputPadding[axis] = window.Input[axis] - covered;
            }
            context.SetInputGradient(0, context.Emit("ConvTranspose", [dY, context.Input(1)],
                OnnxAttributes.Ints("kernel_shape", window.Kernel),
                OnnxAttributes.Ints("strides", window.Strides),
                OnnxAttributes.Ints("dilations", window.Dilations),
                OnnxAttributes.Ints("pads", window.Pads),
                OnnxAttributes.Ints("output_padding", outputPadding)));
        }
        if (context.NeedsGradient(1))
        {
            string inputByChannel = context.Emit("Transpose", [context.Input(0)], OnnxAttributes.Ints("perm", [1, 0, 2, 3]));
            string gradientByChannel = context.Emit("Transpose", [dY], OnnxAttributes.Ints("perm", [1, 0, 2, 3]));
            string correlation = context.Emit("Conv", [inputByChannel, gradientByChannel],
                OnnxAttributes.Ints("kernel_shape", window.Output),
                OnnxAttributes.Ints("strides", window.Dilations),
                OnnxAttributes.Ints("dilations", window.Strides),
                OnnxAttributes.Ints("pads", window.Pads));
            long[] reach = new long[2];
            for (int axis = 0; axis < 2; axis++)
            {
                long padded = window.Input[axis] + window.PadsBegin[axis] + window.PadsEnd[axis];
                reach[axis] = (padded - ((window.Output[axis] - 1) * window.Strides[axis] + 1)) / window.Dilations[axis] + 1;
            }
            if (reach[0] != window.Kernel[0] || reach[1] != window.Kernel[1])
            {
                correlation = context.Emit("Slice", [correlation, context.Int64s(0, 0), context.Int64s(window.Kernel), context.Int64s(2, 3)]);
            }
            context.SetInputGradient(1, context.Emit("Transpose", [correlation], OnnxAttributes.Ints("perm", [1, 0, 2, 3])));
        }
        if (context.NeedsGradient(2))
        {
            context.SetInputGradient(2, context.Emit("ReduceSum", [dY, context.Int64s(0, 2, 3)], OnnxAttributes.Int("keepdims", 0)));
        }
    }
}
