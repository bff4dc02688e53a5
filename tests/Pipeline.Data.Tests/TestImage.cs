using SkiaSharp;

namespace Pipeline.Data.Tests;

/// <summary>Writes PNG and JPEG files for tests with SkiaSharp.</summary>
internal static class TestImage
{
    /// <summary>A width x height image of one colour (unpremultiplied), encoded as PNG or JPEG (quality 100).</summary>
    public static void WriteSolid(string path, int width, int height, SKColor color,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(color);
        Write(path, bitmap, format);
    }

    /// <summary>A width x height greyscale image of one level.</summary>
    public static void WriteGrey(string path, int width, int height, byte level,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(level, level, level));
        Write(path, bitmap, format);
    }

    /// <summary>An image whose pixel (x, y) is pixel(x, y).</summary>
    public static void Write(string path, int width, int height, Func<int, int, SKColor> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, pixel(x, y));
            }
        }
        Write(path, bitmap, SKEncodedImageFormat.Png);
    }

    private static void Write(string path, SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using SKData data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
