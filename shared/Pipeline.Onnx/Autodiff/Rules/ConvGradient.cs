namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// A 2-D convolution Y = conv(X, W) + B (group 1, any strides, pads and dilations):
/// dX is the transposed convolution of dY with W, dW a matrix product of dY with the input per kernel tap, dB the sum of
/// dY over batch and positions.
/// </summary>
/// <remarks>
/// <para>dX = ConvTranspose(dY, W) with the forward strides, dilations and pads; <c>output_padding</c> restores the
/// input rows a stride &gt; 1 drops when the padded input is not a whole number of strides.</para>
/// <para>dW[m, c, i, j] = Σ_{n, y, x} dY[n, m, y, x] · X̂[n, c, y·s + i·d, x·s + j·d] (X̂ padded): for each kernel
/// tap (i, j), one GEMM of dY as [M, N·H'·W'] with the strided Slice of X̂ that tap reads, as [C, N·H'·W'], giving
/// dW[:, :, i, j]. Slicing X̂ transposed to [C, N, H, W] makes each slice that matrix without a copy of its own, and
/// no stacked im2col tensor (kH·kW times the input) is ever materialised: profiled, stacking and transposing one cost
/// more than the GEMMs.</para>
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
            context.SetInputGradient(1, WeightGradient(context, window, w));
        }
        if (context.NeedsGradient(2))
        {
            context.SetInputGradient(2, context.Emit("ReduceSum", [dY, context.Int64s(0, 2, 3)], OnnxAttributes.Int("keepdims", 0)));
        }
    }

    // dW tap by tap: a GEMM of dY with the strided slice of the padded input each tap reads (see the remarks).
    private static string WeightGradient(GradientContext context, SlidingWindow window, long[] w)
    {
        // X [N, C, H, W] → [C, N, H, W], padded, so that every tap's slice is already [C, N·H'·W'] once reshaped.
        string input = context.Emit("Transpose", [context.Input(0)], OnnxAttributes.Ints("perm", [1, 0, 2, 3]));
        if (window.PadsBegin.Any(pad => pad > 0) || window.PadsEnd.Any(pad => pad > 0))
        {
            input = context.Emit("Pad", [input, context.Int64s(0, 0, window.PadsBegin[0], window.PadsBegin[1], 0, 0, window.PadsEnd[0], window.PadsEnd[1])]);
        }
        // dY [N, M, H', W'] → [M, N·H'·W']
        string rows = context.Emit("Reshape", [context.Emit("Transpose", [context.OutputGradient], OnnxAttributes.Ints("perm", [1, 0, 2, 3])),
            context.Int64s(w[0], -1)]);
        var taps = new List<string>();
        for (long i = 0; i < window.Kernel[0]; i++)
        {
            for (long j = 0; j < window.Kernel[1]; j++)
            {
                long top = i * window.Dilations[0], left = j * window.Dilations[1];
                string slice = context.Emit("Slice", [input,
                    context.Int64s(top, left),
                    context.Int64s(top + (window.Output[0] - 1) * window.Strides[0] + 1, left + (window.Output[1] - 1) * window.Strides[1] + 1),
                    context.Int64s(2, 3),
                    context.Int64s(window.Strides[0], window.Strides[1])]);
                string columns = context.Emit("Reshape", [slice, context.Int64s(w[1], -1)]);
                // [M, N·H'·W'] · [C, N·H'·W']ᵀ = dW[:, :, i, j] as [M, C, 1]
                taps.Add(context.Emit("Unsqueeze", [context.Emit("Gemm", [rows, columns], OnnxAttributes.Int("transB", 1)), context.Int64s(2)]));
            }
        }
        string stacked = taps.Count == 1 ? taps[0] : context.Emit("Concat", taps, OnnxAttributes.Int("axis", 2));
        return context.Emit("Reshape", [stacked, context.Int64s(w)]);
    }
}
