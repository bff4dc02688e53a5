using Onnx;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over an ONNX graph: appends to a graph that holds a forward pass the
/// standard-operator nodes that compute the gradients of a scalar objective with respect to chosen values.
/// </summary>
/// <remarks>
/// <para>Nodes are visited once, in reverse topological order. A value's gradient is the sum of what each consumer
/// sends back (one Add per extra consumer, as a residual connection needs). Only nodes on a path from a wanted value
/// to a seeded one are differentiated: a frozen branch costs nothing and needs no rule.</para>
/// <para>A node on such a path whose operator has no rule stops differentiation with an
/// <see cref="UnsupportedOperatorException"/> that names the operator, the node and the operators covered.</para>
/// </remarks>
public sealed class ReverseModeDifferentiator(GradientRules rules)
{
    private readonly GradientRules _rules = rules ?? throw new ArgumentNullException(nameof(rules));

    /// <summary>
    /// Emits the gradients of the objective with respect to every value in <paramref name="wrt"/> and returns them
    /// by value name.
    /// </summary>
    /// <param name="builder">The graph, already holding <paramref name="forward"/>.</param>
    /// <param name="forward">The forward nodes as they are in <paramref name="builder"/>, in topological order.</param>
    /// <param name="shapes">Static shapes of every value the forward nodes read or write.</param>
    /// <param name="seeds">The gradient of the objective with respect to values the objective reads (such as logits).</param>
    /// <param name="wrt">The values to differentiate with respect to (trainable parameters).</param>
    /// <exception cref="UnsupportedOperatorException">A gradient must pass a node no rule covers.</exception>
    /// <exception cref="InvalidOperationException">A wanted value does not reach the objective.</exception>
    public IReadOnlyDictionary<string, string> Differentiate(OnnxGraphBuilder builder, IReadOnlyList<NodeProto> forward,
        IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, string> seeds, IReadOnlyCollection<string> wrt)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(wrt);

        // Forward: which values depend on a wanted one. Backward: which values the objective depends on.
        var dependsOnWanted = new HashSet<string>(wrt, StringComparer.Ordinal);
        foreach (NodeProto node in forward)
        {
            if (node.Input.Any(dependsOnWanted.Contains))
            {
                dependsOnWanted.UnionWith(node.Output.Where(output => output.Length > 0));
            }
        }
        var reachesObjective = new HashSet<string>(seeds.Keys, StringComparer.Ordinal);
        for (int i = forward.Count - 1; i >= 0; i--)
        {
            if (forward[i].Output.Any(reachesObjective.Contains))
            {
                reachesObjective.UnionWith(forward[i].Input.Where(input => input.Length > 0));
            }
        }

        var contributions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach ((string value, string gradient) in seeds)
        {
            contributions[value] = [gradient];
        }
        var constants = new GraphConstants(builder);
        for (int i = forward.Count - 1; i >= 0; i--)
        {
            NodeProto node = forward[i];
            bool[] needed = node.Input.Select(input => input.Length > 0 && dependsOnWanted.Contains(input) && reachesObjective.Contains(input)).ToArray();
            if (!needed.Any(need => need) || !contributions.ContainsKey(node.Output[0]))
            {
                continue;
            }
            if (node.Output.Skip(1).Any(contributions.ContainsKey))
            {
                throw new UnsupportedOperatorException(node.OpType, node.Name,
                    $"Cannot differentiate {node.OpType} node '{node.Name}': a gradient reaches an output other than its first, which no rule handles.");
            }
            GradientRule rule = _rules.Find(node.Domain, node.OpType) ?? throw new UnsupportedOperatorException(node.OpType, node.Name,
                $"No gradient rule for {(node.Domain.Length > 0 ? node.Domain + "." : "")}{node.OpType} (node '{node.Name}'), and the gradient "
                + $"must flow through it to reach the trainable parameters. Rules exist for {string.Join(", ", _rules.OpTypes)}: unfreeze fewer layers so that the node stays in the frozen prefix.");
            var context = new GradientContext(builder, node, shapes, Sum(builder, node.Output[0], contributions[node.Output[0]]), needed, constants);
            rule.Emit(context);
            for (int input = 0; input < node.Input.Count; input++)
            {
                if (!needed[input])
                {
                    continue;
                }
                string gradient = context.InputGradient(input) ?? throw new InvalidOperationException(
                    $"The gradient rule of {node.OpType} gave no gradient for input {input} ('{node.Input[input]}') of node '{node.Name}'.");
                if (!contributions.TryGetValue(node.Input[input], out List<string>? list))
                {
                    contributions[node.Input[input]] = list = [];
                }
                list.Add(gradient);
            }
        }

        var gradients = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in wrt)
        {
            if (!contributions.TryGetValue(value, out List<string>? list))
            {
                throw new InvalidOperationException($"'{value}' does not reach the objective: it has no gradient.");
            }
            gradients[value] = Sum(builder, value, list);
        }
        return gradients;
    }

    private static string Sum(OnnxGraphBuilder builder, string value, List<string> contributions)
    {
        string total = contributions[0];
        for (int i = 1; i < contributions.Count; i++)
        {
            total = builder.AddNode("Add", $"{value}/grad/accumulate", [total, contributions[i]]);
        }
        // Later consumers of the same value find the sum, not the parts.
        contributions.RemoveRange(1, contributions.Count - 1);
        contributions[0] = total;
        return total;
    }
}
