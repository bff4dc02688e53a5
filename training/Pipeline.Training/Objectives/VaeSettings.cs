using Pipeline.Errors;
using Pipeline.Training.Losses;

namespace Pipeline.Training.Objectives;

/// <summary>The VAE's hyper-parameters: an autoencoder's, with the weight of the KL term and its warm-up.</summary>
/// <param name="LatentDim">Width L of the latent code; μ is the exported embedding.</param>
/// <param name="Likelihood">p(x | z), as for every autoencoder.</param>
/// <param name="Beta">β, the weight of the KL term (Higgins et al. 2017); 1 is the ELBO of Kingma and Welling 2014.</param>
/// <param name="KlWarmupSteps">Steps over which the KL weight rises linearly from 0 to β (Bowman et al. 2016); 0 for none.</param>
public sealed record VaeSettings(int LatentDim, Likelihood Likelihood, double Beta, long KlWarmupSteps) : AutoencoderSettings(LatentDim, Likelihood)
{
    /// <summary>The autoencoders' default latent code and likelihood, and the plain ELBO, no warm-up.</summary>
    public static new VaeSettings Default { get; } = new(AutoencoderSettings.Default.LatentDim, AutoencoderSettings.Default.Likelihood, 1.0, 0);

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (!(Beta >= 0) || double.IsInfinity(Beta))
        {
            throw InvalidSettingException.ForSetting("beta", $"must be 0 or more and finite, not {Beta}.");
        }
        if (KlWarmupSteps < 0)
        {
            throw InvalidSettingException.ForSetting("kl-warmup-steps", $"must be 0 or more steps, not {KlWarmupSteps}.");
        }
    }
}
