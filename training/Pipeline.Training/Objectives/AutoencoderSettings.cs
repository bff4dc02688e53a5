using Pipeline.Errors;
using Pipeline.Training.Losses;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The settings of the plain autoencoder (ae), and what the variational and denoising ones (<see cref="VaeSettings"/>,
/// <see cref="DenoisingSettings"/>) add to: the latent width and the observation model.
/// </summary>
/// <param name="LatentDim">Width L of the latent code, the embedding these methods export (vae: μ).</param>
/// <param name="Likelihood">p(x | z): bernoulli (binary cross-entropy) or gaussian (one learned variance, σ-VAE's optimal σ).</param>
public record AutoencoderSettings(int LatentDim, Likelihood Likelihood) : MethodSettings
{
    /// <summary>32 latent dimensions and Bernoulli pixels, the usual choice for Fashion-MNIST-sized grey images.</summary>
    public static AutoencoderSettings Default { get; } = new(32, Likelihood.Bernoulli);

    /// <inheritdoc/>
    public override void Validate()
    {
        if (LatentDim < 1)
        {
            throw InvalidSettingException.ForSetting("latent-dim", $"must be at least 1, not {LatentDim}.");
        }
        if (!Enum.IsDefined(Likelihood))
        {
            throw InvalidSettingException.ForSetting("likelihood", $"must be bernoulli or gaussian, not {Likelihood}.");
        }
    }
}
