using System.Text.Json.Serialization;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>The options of a denoising autoencoder run (dae): an autoencoder's, with the input corruption (<see cref="DenoisingSettings.Default"/>).</summary>
public sealed record DenoisingPretrainOptions : AutoencoderPretrainOptions
{
    /// <summary>Standard deviation of the additive Gaussian noise, pixels being in [0, 1] (0: none).</summary>
    [JsonPropertyName("noise-std")]
    public double NoiseStd { get; init; } = DenoisingSettings.Default.NoiseStd;

    /// <summary>Probability that a pixel value is set to 0 (0: none).</summary>
    [JsonPropertyName("mask-prob")]
    public double MaskProbability { get; init; } = DenoisingSettings.Default.MaskProbability;

    /// <inheritdoc/>
    protected override MethodSettings Settings() => new DenoisingSettings(LatentDim, Likelihood, NoiseStd, MaskProbability);
}
