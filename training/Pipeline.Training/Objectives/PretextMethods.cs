using Pipeline.Training.Encoders;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Objectives;

/// <summary>The registry of self-supervised methods by CLI name: adding a method is one objective plus one line here.</summary>
public static class PretextMethods
{
    private static readonly Dictionary<string, Func<PretrainConfig, Encoder, PretextObjective>> Factories =
        new(StringComparer.Ordinal)
        {
            ["simclr"] = (config, encoder) =>
            {
                SimClrSettings simClr = config.SimClr ?? SimClrSettings.Default;
                return new SimClrObjective(encoder, simClr.ProjectionDim, simClr.Temperature, simClr.Augmentation);
            },
        };

    /// <summary>The method names, as <c>--method</c> accepts them.</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.ToArray();

    /// <summary>The objective of the config's method around a given encoder.</summary>
    public static PretextObjective Create(PretrainConfig config, Encoder encoder)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(encoder);
        return Factories.TryGetValue(config.Method, out var create)
            ? create(config, encoder)
            : throw new ArgumentException($"Unknown method '{config.Method}': use one of {string.Join(", ", Factories.Keys)}.");
    }
}
