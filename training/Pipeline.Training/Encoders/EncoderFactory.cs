using Pipeline.Errors;

namespace Pipeline.Training.Encoders;

/// <summary>Builds encoders by architecture name, the names the CLI accepts after <c>--encoder</c>.</summary>
public static class EncoderFactory
{
    private static readonly Dictionary<string, (Func<EncoderSpec, Encoder> Create, int DefaultEmbeddingDim)> Architectures =
        new(StringComparer.Ordinal)
        {
            [ConvNetLayout.ConvNet.Name] = (spec => new ConvNetEncoder(spec, ConvNetLayout.ConvNet), ConvNetLayout.ConvNet.DefaultEmbeddingDim),
            [ConvNetLayout.ConvNet6.Name] = (spec => new ConvNetEncoder(spec, ConvNetLayout.ConvNet6), ConvNetLayout.ConvNet6.DefaultEmbeddingDim),
            ["resnet18"] = (spec => new ResNet18Encoder(spec), 512),
        };

    /// <summary>The architecture names, in the order the help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = Architectures.Keys.ToArray();

    /// <summary>The embedding width an architecture has unless told otherwise.</summary>
    public static int DefaultEmbeddingDim(string architecture) => Lookup(architecture).DefaultEmbeddingDim;

    /// <summary>A freshly initialised encoder (weights drawn from torch's global generator).</summary>
    public static Encoder Create(EncoderSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Lookup(spec.Architecture).Create(spec);
    }

    private static (Func<EncoderSpec, Encoder> Create, int DefaultEmbeddingDim) Lookup(string architecture) =>
        Architectures.TryGetValue(architecture, out var entry)
            ? entry
            : throw new InvalidSettingException(
                $"Unknown encoder '{architecture}': use one of {string.Join(", ", Architectures.Keys)}.");
}
