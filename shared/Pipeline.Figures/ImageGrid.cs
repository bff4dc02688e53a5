using System.Runtime.InteropServices;
using Pipeline.Data;
using Pipeline.Runs;
using SkiaSharp;

namespace Pipeline.Figures;

/// <summary>Writes images as one PNG grid, row by row, each enlarged by whole pixels so small ones stay legible.</summary>
public static class ImageGrid
{
    /// <summary>Pixels of white between cells, before enlargement.</summary>
    public const int Gap = 1;

    /// <summary>
    /// Writes <paramref name="pixels"/> (bytes [N, C, H, W] of <paramref name="shape"/>, C 1 or 3, N ≥ 1) to
    /// <paramref name="path"/> as a PNG grid of <paramref name="columns"/> columns, each pixel drawn as a
    /// <paramref name="scale"/> × <paramref name="scale"/> square; whole or not at all (<see cref="AtomicFile"/>), creating
    /// the folder when it is missing.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, ImageShape shape, int columns, int scale = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Encode(pixels, shape, columns, scale);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The PNG bytes of the grid <see cref="Write"/> writes.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, ImageShape shape, int columns, int scale = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        if (shape.Channels is not (1 or 3) || pixels.Length == 0 || pixels.Length % shape.Size != 0)
        {
            throw new ArgumentException(
                $"An image grid takes one or more whole images of 1 or 3 channels: {pixels.Length} bytes of {shape} images.", nameof(pixels));
        }
        int n = pixels.Length / shape.Size, channels = shape.Channels, height = shape.Height, width = shape.Width;
        int rows = (n + columns - 1) / columns;
        int canvasWidth = (columns * (width + Gap) + Gap) * scale;
        int canvasHeight = (rows * (height + Gap) + Gap) * scale;
        byte[] canvas = new byte[canvasWidth * canvasHeight * 4];
        Array.Fill(canvas, (byte)255);
        int plane = height * width;
        for (int image = 0; image < n; image++)
        {
            int left = (image % columns * (width + Gap) + Gap) * scale;
            int top = (image / columns * (height + Gap) + Gap) * scale;
            for (int y = 0; y < height * scale; y++)
            {
                for (int x = 0; x < width * scale; x++)
                {
                    // Channel c of pixel (y, x) is at ((image · C + c) · H + y) · W + x; grey fills R, G and B alike.
                    int source = image * channels * plane + y / scale * width + x / scale;
                    int target = ((top + y) * canvasWidth + left + x) * 4;
                    canvas[target] = pixels[source];
                    canvas[target + 1] = pixels[source + (channels == 3 ? plane : 0)];
                    canvas[target + 2] = pixels[source + (channels == 3 ? 2 * plane : 0)];
                }
            }
        }
        using var bitmap = new SKBitmap(new SKImageInfo(canvasWidth, canvasHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(canvas, 0, bitmap.GetPixels(), canvas.Length);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
