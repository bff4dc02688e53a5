using System.Text.Json.Serialization;
using Pipeline.Training.Losses;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// The options of an autoencoder run (ae), and what the variational and denoising ones add to: the latent width and the
/// observation model, defaulting to <see cref="AutoencoderSettings.Default"/>.
/// </summary>
public record AutoencoderPretrainOptions : PretrainOptions
{
    /// <summary>Width of the latent code, the exported embedding (vae: μ).</summary>
    [JsonPropertyName("latent-dim")]
    public int LatentDim { get; init; } = AutoencoderSettings.Default.LatentDim;

    /// <summary>p(x | z): bernoulli or gaussian.</summary>
    public Likelihood Likelihood { get; init; } = AutoencoderSettings.Default.Likelihood;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Settings().Validate();
    }

    /// <inheritdoc/>
    protected override MethodSettings Settings() => new AutoencoderSettings(LatentDim, Likelihood);
}
