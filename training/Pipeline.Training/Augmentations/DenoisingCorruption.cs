using Pipeline.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// The corruption of a denoising autoencoder (Vincent et al. 2008, 2010): additive Gaussian noise of standard deviation
/// σ, then masking noise that sets each pixel value to 0 with probability p, clamped back to [0, 1]. The autoencoder
/// sees the corrupted image and is scored on the clean one.
/// </summary>
/// <example>
/// <code>
/// var corruption = new DenoisingCorruption(DenoisingSettings.Default with { NoiseStd = 0.1, MaskProbability = 0.25 });
/// Tensor noisy = corruption.Apply(pixels, generator); // [N, C, H, W] → [N, C, H, W]
/// </code>
/// </example>
public sealed class DenoisingCorruption
{
    /// <exception cref="ArgumentException">A setting is out of range, or nothing is corrupted (that is a plain autoencoder).</exception>
    public DenoisingCorruption(DenoisingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        NoiseStd = settings.NoiseStd;
        MaskProbability = settings.MaskProbability;
    }

    /// <summary>σ of the additive Gaussian noise.</summary>
    public double NoiseStd { get; }

    /// <summary>p of the masking noise.</summary>
    public double MaskProbability { get; }

    /// <summary>
    /// A corrupted copy of <paramref name="pixels"/> (float32 [N, C, H, W] in [0, 1], any device); every draw comes from
    /// the CPU <paramref name="generator"/>, noise first, then the mask.
    /// </summary>
    public Tensor Apply(Tensor pixels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        Tensor corrupted = pixels;
        if (NoiseStd > 0)
        {
            Tensor noise = randn(pixels.shape, dtype: ScalarType.Float32, device: CPU, generator: generator).to(pixels.device);
            corrupted = corrupted.add(noise.mul_(NoiseStd));
        }
        if (MaskProbability > 0)
        {
            Tensor keep = rand(pixels.shape, dtype: ScalarType.Float32, device: CPU, generator: generator).ge_(MaskProbability).to(pixels.device);
            corrupted = corrupted.mul(keep);
        }
        return scope.MoveToOuter(corrupted.clamp(0, 1));
    }
}
