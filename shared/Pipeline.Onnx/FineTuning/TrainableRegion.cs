using Onnx;
using Pipeline.Errors;
using Pipeline.Onnx.Autodiff;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// Where an embedding model splits into a frozen prefix and a trainable region: the one value (the cut) through which
/// the region is entered, the nodes on each side, the parameters that train and every value's static shape.
/// </summary>
/// <remarks>
/// <para>The region is every node that depends on the cut and leads to <c>embedding</c>. It must be entered through
/// the cut alone: when a node in it reads another computed value (a residual block's shortcut, say), the cut moves up
/// to the nearest value that both depend on, so a whole residual block trains or none of it does.</para>
/// <para>The parameters are the float initializers a region node reads at the inputs its
/// <see cref="GradientRule.ParameterInputs"/> names (a Conv's weight and bias, a batch norm's scale and bias, a
/// Gemm's weight and bias), when no frozen node reads them too. Batch-norm running statistics stay frozen.</para>
/// </remarks>
public sealed class TrainableRegion
{
    /// <summary>The embedding model's input, float32 [N, C, H, W].</summary>
    public const string PixelsInput = "pixels";

    /// <summary>The embedding model's output, float32 [N, D].</summary>
    public const string EmbeddingOutput = "embedding";

    private TrainableRegion(string cut, IReadOnlyList<NodeProto> prefix, IReadOnlyList<NodeProto> nodes, IReadOnlyList<string> parameters,
        IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, TensorProto> initializers)
    {
        Cut = cut;
        Prefix = prefix;
        Nodes = nodes;
        Parameters = parameters;
        Shapes = shapes;
        Initializers = initializers;
    }

    /// <summary>The value the region is entered through: the frozen prefix's output, which a feature cache holds.</summary>
    public string Cut { get; }

    /// <summary>The cut's shape for one image (without the batch dimension).</summary>
    public long[] CutShape => Shapes[Cut][1..];

    /// <summary>The nodes that compute the cut from the pixels, in topological order.</summary>
    public IReadOnlyList<NodeProto> Prefix { get; }

    /// <summary>The nodes from the cut to <c>embedding</c> (with the constants they read), in topological order; empty when only a head trains.</summary>
    public IReadOnlyList<NodeProto> Nodes { get; }

    /// <summary>The names of the encoder's initializers that train, in the order the region reads them.</summary>
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>Static shapes of the encoder's values; the batch dimension is <see cref="OnnxGraphBuilder.DynamicDimension"/>.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; }

    /// <summary>The encoder's initializers by name.</summary>
    public IReadOnlyDictionary<string, TensorProto> Initializers { get; }

    /// <summary>D, the width of the embedding.</summary>
    public long EmbeddingDim => Shapes[EmbeddingOutput][^1];

    /// <summary>Finds the region <paramref name="unfreeze"/> asks for in an embedding model.</summary>
    /// <exception cref="InvalidDataException">
    /// The model is not an embedding model (input <c>pixels</c>, output <c>embedding</c> [N, D]) in topological order,
    /// or a shape cannot be inferred; the message says which.
    /// </exception>
    /// <exception cref="InvalidSettingException">The model lacks the layers to unfreeze (setting <c>unfreeze</c>).</exception>
    public static TrainableRegion Find(ModelProto encoder, UnfreezeSpec unfreeze, GradientRules rules)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(unfreeze);
        ArgumentNullException.ThrowIfNull(rules);
        GraphProto graph = encoder.Graph ?? throw new InvalidDataException("The model has no graph.");
        var initializers = graph.Initializer.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        if (!graph.Input.Any(input => input.Name == PixelsInput) || !graph.Output.Any(output => output.Name == EmbeddingOutput))
        {
            throw new InvalidDataException(
                $"The model has inputs [{string.Join(", ", graph.Input.Select(i => i.Name))}] and outputs [{string.Join(", ", graph.Output.Select(o => o.Name))}], "
                + $"not the embedding model's '{PixelsInput}' and '{EmbeddingOutput}': fine-tune an encoder.onnx written by pipeline-train export.");
        }
        NodeProto[] nodes = graph.Node.ToArray();
        RequireTopologicalOrder(nodes, graph, initializers);

        // Values computed from the pixels; everything else is a constant.
        var dynamicValues = new HashSet<string>(StringComparer.Ordinal) { PixelsInput };
        foreach (NodeProto node in nodes)
        {
            if (node.Input.Any(dynamicValues.Contains))
            {
                dynamicValues.UnionWith(node.Output.Where(output => output.Length > 0));
            }
        }
        var producerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Length; i++)
        {
            foreach (string output in nodes[i].Output)
            {
                producerIndex[output] = i;
            }
        }
        bool[] feedsEmbedding = Ancestors(nodes, producerIndex, [EmbeddingOutput]);

        string cut = FirstCut(nodes, unfreeze, initializers);
        bool[] inRegion;
        while (true)
        {
            (inRegion, HashSet<string> descendants) = Descendants(nodes, cut, feedsEmbedding);
            string[] crossings = nodes.Where((_, i) => inRegion[i]).SelectMany(node => node.Input)
                .Where(input => dynamicValues.Contains(input) && !descendants.Contains(input)).Distinct().ToArray();
            if (crossings.Length == 0)
            {
                break;
            }
            cut = CommonDominator(nodes, producerIndex, dynamicValues, [cut, .. crossings]);
        }

        // Constants the region reads (Reshape targets from Constant nodes…) are computed inside it too.
        bool[] regionConstants = Ancestors(nodes, producerIndex,
            nodes.Where((_, i) => inRegion[i]).SelectMany(node => node.Input).Where(input => !dynamicValues.Contains(input)));
        bool[] prefix = Ancestors(nodes, producerIndex, [cut]);
        NodeProto[] regionNodes = nodes.Where((node, i) => inRegion[i] || (regionConstants[i] && !node.Output.Any(dynamicValues.Contains))).ToArray();
        NodeProto[] prefixNodes = nodes.Where((_, i) => prefix[i]).ToArray();

        Dictionary<string, long[]> shapes = ShapeInference.Declared(graph);
        if (!shapes.TryGetValue(PixelsInput, out long[]? pixels) || pixels.Length != 4 || pixels[1..].Any(size => size < 1))
        {
            throw new InvalidDataException($"The model's '{PixelsInput}' must be declared [N, C, H, W] with static C, H and W.");
        }
        // A model exported with a fixed batch size still takes any: the batch is the dynamic dimension here.
        shapes[PixelsInput] = [OnnxGraphBuilder.DynamicDimension, .. pixels[1..]];
        ShapeInference.Infer(nodes.Where((_, i) => prefix[i] || inRegion[i] || regionConstants[i]), shapes, initializers);
        if (shapes[EmbeddingOutput].Length != 2)
        {
            throw new InvalidDataException($"The model's '{EmbeddingOutput}' is [{string.Join(", ", shapes[EmbeddingOutput])}], not [N, D].");
        }

        var frozenReads = new HashSet<string>(nodes.Where((_, i) => !inRegion[i]).SelectMany(node => node.Input), StringComparer.Ordinal);
        var parameters = new List<string>();
        foreach (NodeProto node in regionNodes)
        {
            GradientRule? rule = rules.Find(node.Domain, node.OpType);
            if (rule is null)
            {
                continue;
            }
            foreach (int index in rule.ParameterInputs.Order())
            {
                if (index < node.Input.Count && initializers.TryGetValue(node.Input[index], out TensorProto? tensor)
                    && tensor.DataType == (int)TensorProto.Types.DataType.Float && !frozenReads.Contains(tensor.Name) && !parameters.Contains(tensor.Name))
                {
                    parameters.Add(tensor.Name);
                }
            }
        }
        if (regionNodes.Length > 0 && parameters.Count == 0)
        {
            throw InvalidSettingException.ForSetting("unfreeze", $"{unfreeze} holds no trainable parameter of this model: unfreeze more, or use none.");
        }
        return new TrainableRegion(cut, prefixNodes, regionNodes, parameters, shapes, initializers);
    }

    // The value the region starts from before it is widened to be entered through one value.
    private static string FirstCut(NodeProto[] nodes, UnfreezeSpec unfreeze, Dictionary<string, TensorProto> initializers)
    {
        if (unfreeze.Everything)
        {
            return PixelsInput;
        }
        if (unfreeze.ConvLayers > 0)
        {
            NodeProto[] convs = nodes.Where(node => node.OpType == "Conv" && node.Domain.Length == 0 && initializers.ContainsKey(node.Input[1])).ToArray();
            if (convs.Length < unfreeze.ConvLayers)
            {
                throw InvalidSettingException.ForSetting("unfreeze",
                    $"asks for the last {unfreeze.ConvLayers} convolutions, but the model has {convs.Length} with constant weights: "
                    + (convs.Length == 0 ? "use none, last-linear:K or all." : $"use last-conv:{convs.Length} or fewer, or all."));
            }
            return convs[^unfreeze.ConvLayers].Input[0];
        }
        if (unfreeze.LinearLayers > 0)
        {
            NodeProto[] linear = nodes.Where(node => node.OpType is "Gemm" or "MatMul" && node.Domain.Length == 0
                && node.Input.Count > 1 && initializers.ContainsKey(node.Input[1])).ToArray();
            if (linear.Length < unfreeze.LinearLayers)
            {
                throw InvalidSettingException.ForSetting("unfreeze",
                    $"asks for the last {unfreeze.LinearLayers} Gemm/MatMul layers, but the model has {linear.Length} with constant weights: "
                    + (linear.Length == 0 ? "use none or last-conv-block." : $"use last-linear:{linear.Length} or fewer."));
            }
            return linear[^unfreeze.LinearLayers].Input[0];
        }
        return EmbeddingOutput;
    }

    // Nodes that depend on the cut and lead to the embedding, and every value they compute (with the cut).
    private static (bool[] InRegion, HashSet<string> Values) Descendants(NodeProto[] nodes, string cut, bool[] feedsEmbedding)
    {
        var values = new HashSet<string>(StringComparer.Ordinal) { cut };
        bool[] inRegion = new bool[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            if (feedsEmbedding[i] && nodes[i].Input.Any(values.Contains))
            {
                inRegion[i] = true;
                values.UnionWith(nodes[i].Output);
            }
        }
        return (inRegion, values);
    }

    // Which nodes the given values depend on (the nodes producing them included).
    private static bool[] Ancestors(NodeProto[] nodes, Dictionary<string, int> producerIndex, IEnumerable<string> values)
    {
        bool[] marked = new bool[nodes.Length];
        var pending = new Stack<string>(values);
        while (pending.TryPop(out string? value))
        {
            if (producerIndex.TryGetValue(value, out int index) && !marked[index])
            {
                marked[index] = true;
                foreach (string input in nodes[index].Input.Where(input => input.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }
        return marked;
    }

    // The latest computed value every one of the given values depends on (or is): the graph input at worst.
    private static string CommonDominator(NodeProto[] nodes, Dictionary<string, int> producerIndex, HashSet<string> dynamicValues, string[] values)
    {
        HashSet<string>? common = null;
        foreach (string value in values)
        {
            var ancestors = new HashSet<string>(StringComparer.Ordinal) { value };
            var pending = new Stack<string>([value]);
            while (pending.TryPop(out string? current))
            {
                if (producerIndex.TryGetValue(current, out int index))
                {
                    foreach (string input in nodes[index].Input.Where(input => dynamicValues.Contains(input) && ancestors.Add(input)))
                    {
                        pending.Push(input);
                    }
                }
            }
            common = common is null ? ancestors : [.. common.Intersect(ancestors)];
        }
        return common!.OrderByDescending(value => producerIndex.GetValueOrDefault(value, -1)).First();
    }

    private static void RequireTopologicalOrder(NodeProto[] nodes, GraphProto graph, Dictionary<string, TensorProto> initializers)
    {
        var known = new HashSet<string>(graph.Input.Select(input => input.Name).Concat(initializers.Keys), StringComparer.Ordinal) { "" };
        foreach (NodeProto node in nodes)
        {
            string? missing = node.Input.FirstOrDefault(input => !known.Contains(input));
            if (missing is not null)
            {
                throw new InvalidDataException(
                    $"{node.OpType} node '{node.Name}' reads '{missing}' before any node computes it: the graph is not in topological order, as ONNX requires.");
            }
            known.UnionWith(node.Output);
        }
    }
}
