using Pipeline.Data;
using SkiaSharp;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The images the server benchmarks send: Fashion-MNIST test images when the model reads 1x28x28 and the package is
/// installed, seeded noise otherwise; as the model's pixels in [0, 1] and as PNG files.
/// </summary>
public static class BenchImages
{
    /// <summary>How many distinct images there are; requests cycle through them.</summary>
    public const int Count = 256;

    public static (float[][] Pixels, byte[][] Pngs) Load(ImageShape shape)
    {
        byte[] bytes;
        if (shape == new ImageShape(1, 28, 28) && File.Exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
        {
            bytes = DatasetLoader.Load("fashion-mnist:test", shape).Take(Count).Pixels;
        }
        else
        {
            bytes = new byte[Count * shape.Size];
            new Random(0).NextBytes(bytes);
        }
        var pixels = new float[Count][];
        var pngs = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<byte> image = bytes.AsSpan(i * shape.Size, shape.Size);
            pixels[i] = image.ToArray().Select(value => value / 255f).ToArray();
            pngs[i] = Png(image, shape);
        }
        return (pixels, pngs);
    }

    private static byte[] Png(ReadOnlySpan<byte> planes, ImageShape shape)
    {
        int plane = shape.Height * shape.Width;
        using var bitmap = new SKBitmap(new SKImageInfo(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int p = 0; p < plane; p++)
        {
            byte r = planes[p], g = shape.Channels == 3 ? planes[plane + p] : r, b = shape.Channels == 3 ? planes[2 * plane + p] : r;
            bitmap.SetPixel(p % shape.Width, p / shape.Width, new SKColor(r, g, b));
        }
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
