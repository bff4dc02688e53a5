namespace Pipeline.Data;

/// <summary>Per-channel mean and standard deviation of an image set's pixels, scaled to [0, 1].</summary>
/// <param name="Mean">One mean per channel.</param>
/// <param name="Std">One population standard deviation per channel (never below 1e-3, so dividing by it is safe).</param>
public sealed record ChannelStatistics(float[] Mean, float[] Std)
{
    /// <summary>Measures the statistics over every pixel of every image.</summary>
    public static ChannelStatistics Measure(ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int plane = images.Height * images.Width;
        var sum = new double[images.Channels];
        var sumOfSquares = new double[images.Channels];
        for (int image = 0; image < images.Count; image++)
        {
            for (int channel = 0; channel < images.Channels; channel++)
            {
                ReadOnlySpan<byte> pixels = images.Pixels.AsSpan((image * images.Channels + channel) * plane, plane);
                long total = 0;
                long squares = 0;
                foreach (byte pixel in pixels)
                {
                    total += pixel;
                    squares += pixel * pixel;
                }
                sum[channel] += total;
                sumOfSquares[channel] += squares;
            }
        }
        double count = Math.Max(1.0, (double)images.Count * plane);
        var mean = new float[images.Channels];
        var std = new float[images.Channels];
        for (int channel = 0; channel < images.Channels; channel++)
        {
            double m = sum[channel] / count / 255.0;
            double variance = sumOfSquares[channel] / count / (255.0 * 255.0) - m * m;
            mean[channel] = (float)m;
            std[channel] = (float)Math.Max(1e-3, Math.Sqrt(Math.Max(0, variance)));
        }
        return new ChannelStatistics(mean, std);
    }
}
