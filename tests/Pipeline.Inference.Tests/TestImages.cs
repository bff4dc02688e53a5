using SkiaSharp;

namespace Pipeline.Inference.Tests;

/// <summary>PNG bytes made with SkiaSharp, for tests.</summary>
internal static class TestImages
{
    /// <summary>A width x height PNG whose pixel (x, y) is <paramref name="pixel"/>(x, y), mid-grey when null.</summary>
    public static byte[] Png(int width, int height, Func<int, int, SKColor>? pixel = null)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, pixel?.Invoke(x, y) ?? new SKColor(128, 128, 128));
            }
        }
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
