using Onnx;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// The geometry of a Conv, MaxPool or AveragePool node over its static spatial dimensions: kernel, strides,
/// dilations, the begin and end padding (<c>auto_pad</c> resolved to numbers) and the output size, as ONNX defines them.
/// </summary>
/// <param name="Input">The input's spatial dimensions (H, W, …).</param>
/// <param name="Kernel">The kernel's spatial dimensions.</param>
/// <param name="Strides">The step between windows, per axis.</param>
/// <param name="Dilations">The step between kernel taps, per axis.</param>
/// <param name="PadsBegin">Zero padding before each axis.</param>
/// <param name="PadsEnd">Zero padding after each axis.</param>
/// <param name="Output">The output's spatial dimensions.</param>
public sealed record SlidingWindow(long[] Input, long[] Kernel, long[] Strides, long[] Dilations, long[] PadsBegin, long[] PadsEnd,
    long[] Output)
{
    /// <summary>Reads the window attributes of <paramref name="node"/> over an input of spatial size <paramref name="input"/>.</summary>
    /// <param name="node">A Conv, MaxPool or AveragePool node.</param>
    /// <param name="input">The input's spatial dimensions, all static.</param>
    /// <param name="kernel">The kernel size: the weight's spatial dimensions for Conv, <c>kernel_shape</c> for pools.</param>
    /// <exception cref="InvalidDataException">A dimension is dynamic or the attributes do not fit the input.</exception>
    public static SlidingWindow Of(NodeProto node, long[] input, long[] kernel)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernel);
        int rank = input.Length;
        if (kernel.Length != rank || input.Any(size => size < 1) || kernel.Any(size => size < 1))
        {
            throw new InvalidDataException(
                $"{node.OpType} node '{node.Name}' needs static spatial sizes: input [{string.Join(", ", input)}], kernel [{string.Join(", ", kernel)}].");
        }
        long[] strides = OnnxAttributes.GetInts(node, "strides") ?? Ones(rank);
        long[] dilations = OnnxAttributes.GetInts(node, "dilations") ?? Ones(rank);
        long[] pads = OnnxAttributes.GetInts(node, "pads") ?? new long[2 * rank];
        bool ceil = OnnxAttributes.GetInt(node, "ceil_mode", 0) != 0;
        string autoPad = OnnxAttributes.GetString(node, "auto_pad", "NOTSET");
        if (strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
        {
            throw new InvalidDataException(
                $"{node.OpType} node '{node.Name}' has strides, dilations or pads that do not match its {rank} spatial axes.");
        }
        long[] begin = pads[..rank], end = pads[rank..], output = new long[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            long span = (kernel[axis] - 1) * dilations[axis] + 1;
            switch (autoPad)
            {
                case "NOTSET":
                    break;
                case "VALID":
                    begin[axis] = end[axis] = 0;
                    break;
                case "SAME_UPPER" or "SAME_LOWER":
                    long wanted = (input[axis] + strides[axis] - 1) / strides[axis];
                    long total = Math.Max(0, (wanted - 1) * strides[axis] + span - input[axis]);
                    begin[axis] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    end[axis] = total - begin[axis];
                    break;
                default:
                    throw new InvalidDataException($"{node.OpType} node '{node.Name}' has an unknown auto_pad '{autoPad}'.");
            }
            long room = input[axis] + begin[axis] + end[axis] - span;
            if (room < 0)
            {
                throw new InvalidDataException(
                    $"{node.OpType} node '{node.Name}': its kernel spans {span} pixels on axis {axis}, more than the padded input's {input[axis] + begin[axis] + end[axis]}.");
            }
            output[axis] = (ceil ? (room + strides[axis] - 1) / strides[axis] : room / strides[axis]) + 1;
        }
        return new SlidingWindow(input, kernel, strides, dilations, begin, end, output);
    }

    /// <summary>ONNX's <c>pads</c> attribute: every begin padding, then every end padding.</summary>
    public long[] Pads => [.. PadsBegin, .. PadsEnd];

    private static long[] Ones(int rank) => Enumerable.Repeat(1L, rank).ToArray();
}
