using Pipeline.Errors;

namespace Pipeline.Training.Objectives;

/// <summary>The VAE's hyper-parameters beyond those every autoencoder has.</summary>
/// <param name="Beta">β, the weight of the KL term (Higgins et al. 2017); 1 is the ELBO of Kingma and Welling 2014.</param>
/// <param name="KlWarmupSteps">Steps over which the KL weight rises linearly from 0 to β (Bowman et al. 2016); 0 for none.</param>
public sealed record VaeSettings(double Beta, long KlWarmupSteps)
{
    /// <summary>The plain ELBO, no warm-up.</summary>
    public static VaeSettings Default { get; } = new(1.0, 0);

    /// <summary>Throws when a setting is out of range, naming it (<see cref="InvalidSettingException.Setting"/>).</summary>
    public void Validate()
    {
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
