using Pipeline.Onnx.Autodiff.Rules;

namespace Pipeline.Onnx.Autodiff;

/// <summary>The gradient rules a differentiator may use, by operator.</summary>
public sealed class GradientRules
{
    private readonly Dictionary<string, GradientRule> _rules = new(StringComparer.Ordinal);

    public GradientRules(IEnumerable<GradientRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        foreach (GradientRule rule in rules)
        {
            if (!_rules.TryAdd(rule.OpType, rule))
            {
                throw new ArgumentException($"Two gradient rules for {rule.OpType}.", nameof(rules));
            }
        }
    }

    /// <summary>Every rule of this library: the operators of image encoders' last blocks and of classification heads.</summary>
    public static GradientRules Standard { get; } = new(
    [
        new GemmGradient(), new MatMulGradient(), new AddGradient(), new SubGradient(), new MulGradient(), new DivGradient(),
        new ReluGradient(), new ConvGradient(), new BatchNormalizationGradient(), new GlobalAveragePoolGradient(), new MaxPoolGradient(),
        new FlattenGradient(), new ReshapeGradient(), new IdentityGradient(),
    ]);

    /// <summary>The operators covered, sorted, for messages.</summary>
    public IReadOnlyList<string> OpTypes => _rules.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The rule for <paramref name="opType"/> of the default domain, or null.</summary>
    public GradientRule? Find(string domain, string opType) =>
        domain is "" or "ai.onnx" && _rules.TryGetValue(opType, out GradientRule? rule) ? rule : null;
}
