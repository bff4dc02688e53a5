using Pipeline.Data;
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

    /// <summary>
    /// One grey 8x8 PNG per image of <paramref name="images"/> at ROOT/CLASS/iii.png (a labelled folder dataset); returns
    /// <paramref name="root"/>.
    /// </summary>
    public static string WriteClassFolders(ImageSet images, string root)
    {
        for (int i = 0; i < images.Count; i++)
        {
            byte[] grey = images.Pixels.AsSpan(i * 64, 64).ToArray();
            string path = Path.Combine(root, images.ClassNames[images.Labels![i]], $"{i:D3}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Png(8, 8, (x, y) => new SKColor(grey[y * 8 + x], grey[y * 8 + x], grey[y * 8 + x])));
        }
        return root;
    }
}
