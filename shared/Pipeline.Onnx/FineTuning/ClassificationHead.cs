namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// The layers of a <see cref="HeadSpec"/> over a D-wide embedding: the optional fixed standardisation, then Gemm layers
/// <c>head.i</c> (weight [out, in] as PyTorch's Linear stores it, bias [out]) with ReLU between them, and their initial weights.
/// </summary>
internal sealed class ClassificationHead
{
    private readonly IReadOnlyList<int> _widths;
    private readonly EmbeddingStandardization? _standardization;

    public ClassificationHead(HeadSpec spec, long embeddingDim, int classCount, EmbeddingStandardization? standardization)
    {
        _widths = spec.LayerWidths(checked((int)embeddingDim), classCount);
        standardization?.Validate(embeddingDim);
        _standardization = standardization;
    }

    public int LayerCount => _widths.Count - 1;

    public static string WeightName(int layer) => $"head.{layer}.weight";

    public static string BiasName(int layer) => $"head.{layer}.bias";

    /// <summary>Each layer's weight and bias with their shapes, in layer order.</summary>
    public IEnumerable<(string Name, long[] Shape)> Parameters()
    {
        for (int layer = 0; layer < LayerCount; layer++)
        {
            yield return (WeightName(layer), [_widths[layer + 1], _widths[layer]]);
            yield return (BiasName(layer), [_widths[layer + 1]]);
        }
    }

    /// <summary>
    /// Initial values as PyTorch's <c>nn.Linear</c> draws them: weight and bias uniform in ±1/√fan_in (Kaiming
    /// uniform with a = √5), from one generator seeded with <paramref name="seed"/>, layer by layer.
    /// </summary>
    public Dictionary<string, float[]> InitialValues(int seed)
    {
        var random = new Random(seed);
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int layer = 0; layer < LayerCount; layer++)
        {
            int fanIn = _widths[layer], fanOut = _widths[layer + 1];
            double bound = 1 / Math.Sqrt(fanIn);
            values[WeightName(layer)] = Enumerable.Range(0, fanIn * fanOut).Select(_ => (float)((random.NextDouble() * 2 - 1) * bound)).ToArray();
            values[BiasName(layer)] = Enumerable.Range(0, fanOut).Select(_ => (float)((random.NextDouble() * 2 - 1) * bound)).ToArray();
        }
        return values;
    }

    /// <summary>Emits the forward pass from <paramref name="embedding"/> [N, D] and returns the logits' value [N, C].</summary>
    public string Emit(OnnxGraphBuilder builder, string embedding)
    {
        string value = embedding;
        if (_standardization is { } statistics)
        {
            string mean = builder.AddInitializer("head.input.mean", statistics.Mean, statistics.Mean.Length);
            string std = builder.AddInitializer("head.input.std", statistics.Std, statistics.Std.Length);
            value = builder.AddNode("Div", "head.input.scale", [builder.AddNode("Sub", "head.input.centre", [value, mean]), std]);
        }
        for (int layer = 0; layer < LayerCount; layer++)
        {
            if (layer > 0)
            {
                value = builder.AddNode("Relu", $"head.{layer - 1}.relu", [value]);
            }
            value = builder.AddNode("Gemm", $"head.{layer}", [value, WeightName(layer), BiasName(layer)], [OnnxAttributes.Int("transB", 1)]);
        }
        return value;
    }
}
