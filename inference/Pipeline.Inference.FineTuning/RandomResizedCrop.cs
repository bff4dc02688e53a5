namespace Pipeline.Inference.FineTuning;

/// <summary>
/// Random resized crop (Szegedy et al. 2015, as torchvision's RandomResizedCrop draws it): a box covering a random
/// share of the image's area, in [<c>minScale</c>, 1], with an aspect ratio drawn log-uniformly from 3/4 to 4/3,
/// resized back to the whole image with bilinear interpolation.
/// </summary>
/// <remarks>Not thread-safe: one instance resamples through one buffer.</remarks>
public sealed class RandomResizedCrop
{
    private const int Attempts = 10;
    private const double MinRatio = 3.0 / 4, MaxRatio = 4.0 / 3;
    private static readonly double LogMinRatio = Math.Log(MinRatio), LogMaxRatio = Math.Log(MaxRatio);

    private readonly int _channels;
    private readonly int _height;
    private readonly int _width;
    private readonly double _minScale;
    private readonly float[] _source;

    /// <param name="channels">C of the [C, H, W] images.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="minScale">The smallest share of the area a box covers, in (0, 1].</param>
    public RandomResizedCrop(int channels, int height, int width, double minScale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (!(minScale > 0 && minScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minScale), minScale, $"The smallest crop share must be in (0, 1], not {minScale}.");
        }
        _channels = channels;
        _height = height;
        _width = width;
        _minScale = minScale;
        _source = new float[channels * height * width];
    }

    /// <summary>Replaces <paramref name="image"/> ([C, H, W]) by a crop drawn from <paramref name="random"/>, resized back.</summary>
    public void Apply(Span<float> image, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        (int top, int left, int boxHeight, int boxWidth) = DrawBox(random);
        image.CopyTo(_source);
        double yScale = (double)boxHeight / _height, xScale = (double)boxWidth / _width;
        int plane = _height * _width;
        for (int y = 0; y < _height; y++)
        {
            // The centre of output pixel (y, x) in the source's pixel coordinates (half-pixel centres, align_corners = false),
            // clamped to the box's outer pixel centres.
            double sourceY = Math.Clamp(top + (y + 0.5) * yScale - 0.5, top, top + boxHeight - 1);
            int y0 = (int)sourceY, y1 = Math.Min(y0 + 1, top + boxHeight - 1);
            float wy = (float)(sourceY - y0);
            for (int x = 0; x < _width; x++)
            {
                double sourceX = Math.Clamp(left + (x + 0.5) * xScale - 0.5, left, left + boxWidth - 1);
                int x0 = (int)sourceX, x1 = Math.Min(x0 + 1, left + boxWidth - 1);
                float wx = (float)(sourceX - x0);
                for (int c = 0; c < _channels; c++)
                {
                    int offset = c * plane;
                    float upper = _source[offset + y0 * _width + x0] * (1 - wx) + _source[offset + y0 * _width + x1] * wx;
                    float lower = _source[offset + y1 * _width + x0] * (1 - wx) + _source[offset + y1 * _width + x1] * wx;
                    image[offset + y * _width + x] = upper * (1 - wy) + lower * wy;
                }
            }
        }
    }

    // torchvision's draw: up to ten tries at a box that fits, then the largest centred box within the ratio range.
    private (int Top, int Left, int Height, int Width) DrawBox(Random random)
    {
        double area = (double)_height * _width;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double target = area * (_minScale + random.NextDouble() * (1 - _minScale));
            double ratio = Math.Exp(LogMinRatio + random.NextDouble() * (LogMaxRatio - LogMinRatio));
            int width = (int)Math.Round(Math.Sqrt(target * ratio));
            int height = (int)Math.Round(Math.Sqrt(target / ratio));
            if (width > 0 && height > 0 && width <= _width && height <= _height)
            {
                return (random.Next(_height - height + 1), random.Next(_width - width + 1), height, width);
            }
        }
        double imageRatio = (double)_width / _height;
        (int boxHeight, int boxWidth) = imageRatio < MinRatio ? ((int)Math.Round(_width / MinRatio), _width)
            : imageRatio > MaxRatio ? (_height, (int)Math.Round(_height * MaxRatio))
            : (_height, _width);
        return ((_height - boxHeight) / 2, (_width - boxWidth) / 2, boxHeight, boxWidth);
    }
}
