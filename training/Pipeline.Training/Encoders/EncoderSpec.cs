using Pipeline.Data;
using Pipeline.Errors;

namespace Pipeline.Training.Encoders;

/// <summary>
/// Everything needed to rebuild an encoder: architecture, input shape, embedding width and input normalisation.
/// </summary>
/// <param name="Architecture">A name known to <see cref="EncoderFactory"/>: <c>convnet</c> or <c>resnet18</c>.</param>
/// <param name="InputChannels">C of the [N, C, H, W] input.</param>
/// <param name="InputHeight">H of the input.</param>
/// <param name="InputWidth">W of the input.</param>
/// <param name="EmbeddingDim">D of the [N, D] embedding.</param>
/// <param name="Mean">Per-channel mean subtracted from pixels in [0, 1].</param>
/// <param name="Std">Per-channel standard deviation the centred pixels are divided by.</param>
public sealed record EncoderSpec(
    string Architecture,
    int InputChannels,
    int InputHeight,
    int InputWidth,
    int EmbeddingDim,
    float[] Mean,
    float[] Std)
{
    /// <summary>Throws when the spec cannot describe a working encoder, saying which field is wrong.</summary>
    public void Validate()
    {
        if (InputChannels is not (1 or 3))
        {
            throw new InvalidSettingException($"Input channels must be 1 or 3, not {InputChannels}.");
        }
        if (InputHeight < 8 || InputWidth < 8)
        {
            throw new InvalidSettingException($"Input images must be at least 8x8, not {InputHeight}x{InputWidth}.");
        }
        if (EmbeddingDim < 1)
        {
            throw new InvalidSettingException($"Embedding width must be positive, not {EmbeddingDim}.");
        }
        if (Mean.Length != InputChannels || Std.Length != InputChannels)
        {
            throw new InvalidSettingException(
                $"Normalisation needs one mean and one std per channel ({InputChannels}), got {Mean.Length} and {Std.Length}.");
        }
        foreach (float std in Std)
        {
            if (!(std > 0f) || !float.IsFinite(std))
            {
                throw new InvalidSettingException($"Normalisation std must be positive and finite, not {std}.");
            }
        }
    }

    /// <summary>Throws when the images are not of the shape this encoder takes, naming both shapes.</summary>
    public void RequireFits(ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Channels != InputChannels || images.Height != InputHeight || images.Width != InputWidth)
        {
            throw new InvalidSettingException(
                $"{images.Source} holds {images.Channels}x{images.Height}x{images.Width} images but the encoder takes {InputChannels}x{InputHeight}x{InputWidth}.");
        }
    }
}
