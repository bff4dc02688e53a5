using Onnx;

namespace Pipeline.Onnx.Quantization;

/// <summary>
/// Which parts of a float32 graph the QDQ form quantizes: the Conv, Gemm and MatMul nodes whose weight is a float
/// initializer (their weights per channel, their biases as int32), and the activation tensors around them.
/// </summary>
/// <remarks>
/// <para>Activations quantized: each such node's input, and its output, or, when a Relu alone reads the output, the
/// Relu's output instead: ONNX Runtime fuses DequantizeLinear → Conv → Relu → QuantizeLinear into one integer
/// convolution (QLinearConv), the Relu made redundant by the QuantizeLinear's clamp at zero point 0. An output the graph
/// returns stays float: the contract's outputs keep their precision.</para>
/// <para>A tensor a value-preserving operator (MaxPool, Flatten, Reshape…) makes from a quantized tensor takes that tensor's
/// scale and zero point, so that ONNX Runtime runs the operator on the integers and drops the pair around it.</para>
/// </remarks>
internal sealed class QdqPlan
{
    /// <summary>Operators whose output holds only values of their first input, so it can share the input's quantization.</summary>
    public static readonly IReadOnlySet<string> ValuePreserving = new HashSet<string>(StringComparer.Ordinal)
    {
        "MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity",
    };

    private QdqPlan(IReadOnlyDictionary<int, QuantizedNode> nodes, IReadOnlyList<string> activations)
    {
        Nodes = nodes;
        Activations = activations;
    }

    /// <summary>The nodes quantized, by their index in the graph.</summary>
    public IReadOnlyDictionary<int, QuantizedNode> Nodes { get; }

    /// <summary>The activation tensors quantized, in the order the graph makes them.</summary>
    public IReadOnlyList<string> Activations { get; }

    /// <summary>The plan for <paramref name="graph"/>.</summary>
    public static QdqPlan For(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var initializers = graph.Initializer.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        var outputs = graph.Output.Select(output => output.Name).ToHashSet(StringComparer.Ordinal);
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
        {
            foreach (string input in node.Input.Where(input => input.Length > 0))
            {
                (readers.TryGetValue(input, out List<NodeProto>? list) ? list : readers[input] = []).Add(node);
            }
        }

        var nodes = new Dictionary<int, QuantizedNode>();
        var activations = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            if (QuantizedNode.Of(node, initializers) is not { } quantized)
            {
                continue;
            }
            nodes[i] = quantized;
            activations.Add(node.Input[0]);
            string output = node.Output[0];
            if (outputs.Contains(output))
            {
                continue;
            }
            activations.Add(readers.GetValueOrDefault(output) is [{ OpType: "Relu" } relu] && !outputs.Contains(relu.Output[0])
                ? relu.Output[0]
                : output);
        }

        // In the order values are made: graph inputs first, then node outputs.
        var ordered = graph.Input.Select(input => input.Name)
            .Concat(graph.Node.SelectMany(node => node.Output))
            .Where(activations.Contains)
            .ToArray();
        return new QdqPlan(nodes, ordered);
    }
}
