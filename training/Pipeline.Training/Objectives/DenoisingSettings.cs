using Pipeline.Errors;
using Pipeline.Training.Losses;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The denoising autoencoder's settings: an autoencoder's, with the corruption of its input (additive Gaussian noise,
/// then masking noise; <see cref="Augmentations.DenoisingCorruption"/>).
/// </summary>
/// <param name="LatentDim">Width L of the latent code, the exported embedding.</param>
/// <param name="Likelihood">p(x | z), as for every autoencoder.</param>
/// <param name="NoiseStd">σ of the additive Gaussian noise, in pixel units (pixels span [0, 1]); 0 for none.</param>
/// <param name="MaskProbability">p, the probability that a pixel value is set to 0; 0 for none.</param>
public sealed record DenoisingSettings(int LatentDim, Likelihood Likelihood, double NoiseStd, double MaskProbability) : AutoencoderSettings(LatentDim, Likelihood)
{
    /// <summary>The autoencoders' default latent code and likelihood, and both corruptions on: σ = 0.1 and p = 0.25.</summary>
    public static new DenoisingSettings Default { get; } = new(AutoencoderSettings.Default.LatentDim, AutoencoderSettings.Default.Likelihood, 0.1, 0.25);

    /// <summary>Throws when a setting is out of range (naming it: <see cref="InvalidSettingException.Setting"/>) or nothing is corrupted.</summary>
    public override void Validate()
    {
        base.Validate();
        if (!(NoiseStd >= 0) || double.IsInfinity(NoiseStd))
        {
            throw InvalidSettingException.ForSetting("noise-std", $"must be 0 or more and finite, not {NoiseStd}.");
        }
        if (!(MaskProbability is >= 0 and < 1))
        {
            throw InvalidSettingException.ForSetting("mask-prob", $"must be in [0, 1), not {MaskProbability}.");
        }
        if (NoiseStd == 0 && MaskProbability == 0)
        {
            throw new InvalidSettingException(
                "A denoising autoencoder corrupts its input: noise-std or mask-prob must be above 0 (with neither it is the plain autoencoder, method ae).");
        }
    }
}
