using Onnx;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// What a <see cref="GradientRule"/> sees of the node it differentiates — its inputs and outputs, their static
/// shapes, the gradient arriving at its output and which input gradients are wanted — and the means to emit nodes
/// into the graph being built.
/// </summary>
public sealed class GradientContext
{
    private readonly IReadOnlyDictionary<string, long[]> _shapes;
    private readonly IReadOnlyList<bool> _needed;
    private readonly string?[] _inputGradients;
    private readonly GraphConstants _constants;

    internal GradientContext(OnnxGraphBuilder builder, NodeProto node, IReadOnlyDictionary<string, long[]> shapes,
        string outputGradient, IReadOnlyList<bool> needed, GraphConstants constants)
    {
        Builder = builder;
        Node = node;
        _shapes = shapes;
        OutputGradient = outputGradient;
        _needed = needed;
        _constants = constants;
        _inputGradients = new string?[node.Input.Count];
    }

    /// <summary>The graph the gradient nodes go into; it already holds the forward pass, so every forward value can be read.</summary>
    public OnnxGraphBuilder Builder { get; }

    /// <summary>The forward node, as it is in <see cref="Builder"/>'s graph.</summary>
    public NodeProto Node { get; }

    /// <summary>The gradient of the loss with respect to the node's first output, same shape as that output.</summary>
    public string OutputGradient { get; }

    /// <summary>The name of input <paramref name="index"/>.</summary>
    public string Input(int index) => Node.Input[index];

    /// <summary>The name of the node's first output.</summary>
    public string Output => Node.Output[0];

    /// <summary>Whether the node has input <paramref name="index"/> (optional inputs may be absent or empty).</summary>
    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    /// <summary>Whether input <paramref name="index"/> leads to a trainable parameter, so its gradient must be emitted.</summary>
    public bool NeedsGradient(int index) => index < _needed.Count && _needed[index];

    /// <summary>The static shape of input <paramref name="index"/>; <see cref="OnnxGraphBuilder.DynamicDimension"/> marks the batch.</summary>
    public long[] InputShape(int index) => Shape(Input(index));

    /// <summary>The static shape of the node's first output.</summary>
    public long[] OutputShape => Shape(Output);

    /// <summary>Records <paramref name="gradient"/> as the gradient of input <paramref name="index"/>.</summary>
    public void SetInputGradient(int index, string gradient)
    {
        ArgumentException.ThrowIfNullOrEmpty(gradient);
        if (!NeedsGradient(index))
        {
            throw new InvalidOperationException($"The gradient rule of {Node.OpType} gave a gradient for input {index} of '{Node.Name}', which needs none.");
        }
        _inputGradients[index] = gradient;
    }

    /// <summary>Adds a node named after the forward node and returns its output.</summary>
    public string Emit(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Builder.AddNode(opType, $"{Node.Name}/grad/{opType}", inputs, attributes);

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs named after the forward node and returns them.</summary>
    public IReadOnlyList<string> Emit(string opType, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes) =>
        Builder.AddNode(opType, $"{Node.Name}/grad/{opType}", inputs, attributes, outputCount);

    /// <summary>A 1-D int64 constant (axes, shapes, permutations), shared by every node that needs the same values.</summary>
    public string Int64s(params long[] values) => _constants.Int64s(values);

    /// <summary>A float32 scalar constant, shared by every node that needs the same value.</summary>
    public string Scalar(float value) => _constants.Scalar(value);

    /// <summary>The runtime shape of <paramref name="value"/>, as an int64 vector.</summary>
    public string ShapeOf(string value) => Emit("Shape", [value]);

    /// <summary>
    /// Sums <paramref name="gradient"/> (of shape <paramref name="from"/>) over the axes along which an operand of
    /// shape <paramref name="to"/> was broadcast, giving a gradient of the operand's shape.
    /// </summary>
    public string ReduceTo(string gradient, long[] from, long[] to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (to.Length > from.Length)
        {
            throw new InvalidOperationException($"{Node.OpType} node '{Node.Name}': an operand of rank {to.Length} cannot broadcast to rank {from.Length}.");
        }
        int lead = from.Length - to.Length;
        var axes = new List<long>();
        for (int axis = 0; axis < from.Length; axis++)
        {
            if (axis < lead || (to[axis - lead] == 1 && from[axis] != 1))
            {
                axes.Add(axis);
            }
        }
        if (axes.Count == 0)
        {
            return gradient;
        }
        string reduced = Emit("ReduceSum", [gradient, Int64s([.. axes])], OnnxAttributes.Int("keepdims", 1));
        return lead == 0 ? reduced : Emit("Squeeze", [reduced, Int64s(Enumerable.Range(0, lead).Select(axis => (long)axis).ToArray())]);
    }

    /// <summary>The error a rule throws for a configuration of its operator it cannot differentiate.</summary>
    public UnsupportedOperatorException Unsupported(string reason) =>
        new(Node.OpType, Node.Name, $"Cannot differentiate {Node.OpType} node '{Node.Name}': {reason}");

    internal string? InputGradient(int index) => _inputGradients[index];

    private long[] Shape(string value) =>
        _shapes.TryGetValue(value, out long[]? shape)
            ? shape
            : throw new InvalidOperationException($"The shape of '{value}' (of {Node.OpType} node '{Node.Name}') is unknown.");
}
