using System.Text.Json.Serialization;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>The options of a variational autoencoder run (vae): an autoencoder's, with β and the KL warm-up (<see cref="VaeSettings.Default"/>).</summary>
public sealed record VaePretrainOptions : AutoencoderPretrainOptions
{
    /// <summary>Weight β of the KL term (1: the ELBO).</summary>
    public double Beta { get; init; } = VaeSettings.Default.Beta;

    /// <summary>Steps over which the KL weight rises linearly from 0 to β (0: none).</summary>
    [JsonPropertyName("kl-warmup-steps")]
    public long KlWarmupSteps { get; init; } = VaeSettings.Default.KlWarmupSteps;

    /// <inheritdoc/>
    protected override MethodSettings Settings() => new VaeSettings(LatentDim, Likelihood, Beta, KlWarmupSteps);
}
