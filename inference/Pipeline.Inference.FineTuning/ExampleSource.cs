using Pipeline.Data;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// One example of the training graphs' input: a row of cached features, or the image's pixels scaled to [0, 1],
/// randomly cropped and flipped left-right when augmentation is on and a generator is given.
/// </summary>
internal sealed class ExampleSource(ImageSet images, float[]? features, int inputSize, RandomResizedCrop? crop, bool flip)
{
    /// <summary>Whether <see cref="Write"/> draws from its generator.</summary>
    public bool Augments => crop is not null || flip;

    /// <param name="example">The image's index.</param>
    /// <param name="destination">Its slot in the batch.</param>
    /// <param name="random">Draws the crop, then the flip; null (validation, evaluation) writes the image as it is.</param>
    public void Write(int example, Span<float> destination, Random? random)
    {
        if (features is not null)
        {
            features.AsSpan(example * inputSize, inputSize).CopyTo(destination);
            return;
        }
        PixelScaling.ToUnitRange(images.Pixels.AsSpan(example * images.ImageSize, images.ImageSize), destination);
        if (random is null)
        {
            return;
        }
        crop?.Apply(destination, random);
        if (flip && random.Next(2) == 1)
        {
            for (int row = 0; row < images.Channels * images.Height; row++)
            {
                destination.Slice(row * images.Width, images.Width).Reverse();
            }
        }
    }
}
