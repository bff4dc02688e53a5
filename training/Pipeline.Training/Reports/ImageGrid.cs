using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Reports;

/// <summary>Writes a batch of images as one PNG grid, row by row, each image enlarged by whole pixels so small ones stay legible.</summary>
public static class ImageGrid
{
    /// <summary>Pixels of white between cells, before enlargement.</summary>
    public const int Gap = 1;

    /// <summary>
    /// Writes <paramref name="images"/> (float [N, C, H, W], C 1 or 3, values in [0, 1]; others are clamped) to
    /// <paramref name="path"/> as a PNG grid of <paramref name="columns"/> columns, each pixel drawn as a
    /// <paramref name="scale"/> × <paramref name="scale"/> square.
    /// </summary>
    public static void Write(string path, Tensor images, int columns, int scale = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[0] < 1)
        {
            throw new ArgumentException($"An image grid takes [N, C, H, W] with N ≥ 1 and C 1 or 3, not [{string.Join(", ", images.shape)}].", nameof(images));
        }
        int n = (int)images.shape[0], channels = (int)images.shape[1], height = (int)images.shape[2], width = (int)images.shape[3];
        byte[] values;
        using (var scope = NewDisposeScope())
        {
            // [N, C, H, W] in [0, 1] → [N, H, W, C] bytes.
            values = images.detach().cpu().to(ScalarType.Float32).clamp(0, 1).mul(255).round().to(ScalarType.Byte)
                .permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
        }
        int rows = (n + columns - 1) / columns;
        int canvasWidth = (columns * (width + Gap) + Gap) * scale;
        int canvasHeight = (rows * (height + Gap) + Gap) * scale;
        byte[] canvas = new byte[canvasWidth * canvasHeight * 4];
        Array.Fill(canvas, (byte)255);
        for (int image = 0; image < n; image++)
        {
            int left = (image % columns * (width + Gap) + Gap) * scale;
            int top = (image / columns * (height + Gap) + Gap) * scale;
            for (int y = 0; y < height * scale; y++)
            {
                for (int x = 0; x < width * scale; x++)
                {
                    int source = ((image * height + y / scale) * width + x / scale) * channels;
                    int target = ((top + y) * canvasWidth + left + x) * 4;
                    canvas[target] = values[source];
                    canvas[target + 1] = values[source + (channels == 3 ? 1 : 0)];
                    canvas[target + 2] = values[source + (channels == 3 ? 2 : 0)];
                }
            }
        }
        using var bitmap = new SKBitmap(new SKImageInfo(canvasWidth, canvasHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(canvas, 0, bitmap.GetPixels(), canvas.Length);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, png.ToArray());
    }
}
