using Pipeline.Data;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// One example of the training graphs' input: a row of cached features, or the image's pixels scaled to [0, 1],
/// flipped left-right when asked.
/// </summary>
internal sealed class ExampleSource(ImageSet images, float[]? features, int inputSize)
{
    public void Write(int example, Span<float> destination, bool flip)
    {
        if (features is not null)
        {
            features.AsSpan(example * inputSize, inputSize).CopyTo(destination);
            return;
        }
        PixelScaling.ToUnitRange(images.Pixels.AsSpan(example * images.ImageSize, images.ImageSize), destination);
        if (flip)
        {
            for (int row = 0; row < images.Channels * images.Height; row++)
            {
                destination.Slice(row * images.Width, images.Width).Reverse();
            }
        }
    }
}
