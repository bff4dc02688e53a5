using Pipeline.Errors;

namespace Pipeline.Training.Augmentations;

/// <summary>The corruption of a denoising autoencoder: additive Gaussian noise, then masking noise.</summary>
/// <param name="NoiseStd">σ of the additive Gaussian noise, in pixel units (pixels span [0, 1]); 0 for none.</param>
/// <param name="MaskProbability">p, the probability that a pixel value is set to 0; 0 for none.</param>
public sealed record DenoisingSettings(double NoiseStd, double MaskProbability)
{
    /// <summary>Both corruptions on: σ = 0.1 and p = 0.25.</summary>
    public static DenoisingSettings Default { get; } = new(0.1, 0.25);

    /// <summary>Throws when a setting is out of range or nothing is corrupted, naming the options.</summary>
    public void Validate()
    {
        if (!(NoiseStd >= 0) || double.IsInfinity(NoiseStd))
        {
            throw new InvalidSettingException($"The noise σ (--noise-std) must be 0 or more and finite, not {NoiseStd}.");
        }
        if (!(MaskProbability is >= 0 and < 1))
        {
            throw new InvalidSettingException($"The masking probability (--mask-prob) must be in [0, 1), not {MaskProbability}.");
        }
        if (NoiseStd == 0 && MaskProbability == 0)
        {
            throw new InvalidSettingException(
                "A denoising autoencoder needs --noise-std > 0 or --mask-prob > 0; without either it is the plain autoencoder, --method ae.");
        }
    }
}
