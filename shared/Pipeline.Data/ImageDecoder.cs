using SkiaSharp;

namespace Pipeline.Data;

/// <summary>Decodes one PNG or JPEG image, from bytes or a file, into [C, H, W] bytes of a target shape.</summary>
/// <remarks>
/// Pixels: transparency is composited over black (images are decoded premultiplied); images are resized to the target
/// height and width with trilinear filtering (bilinear between mipmap levels, so strong downscales average rather than
/// alias), aspect ratio not kept; one channel is the luminance round(0.299 R + 0.587 G + 0.114 B), three are R, G, B
/// planes. EXIF orientation is not applied. The format is found from the content, never from a name. Thread-safe.
/// </remarks>
public static class ImageDecoder
{
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>The size and colour type of an encoded image, read from its header without decoding its pixels.</summary>
    /// <param name="encoded">The PNG or JPEG bytes.</param>
    /// <param name="source">What to call the image in an error message: a path, or a name such as <c>input[3]</c>.</param>
    /// <exception cref="DataFormatException">The bytes are not a PNG or JPEG image.</exception>
    public static EncodedImageInfo Identify(ReadOnlySpan<byte> encoded, string source)
    {
        using SKData data = SKData.CreateCopy(encoded);
        return Identify(data, source);
    }

    /// <summary>Decodes <paramref name="encoded"/> into a new [C, H, W] array of <paramref name="target"/>'s shape.</summary>
    /// <inheritdoc cref="Decode(ReadOnlySpan{byte}, ImageShape, Span{byte}, string)"/>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, ImageShape target, string source)
    {
        byte[] pixels = new byte[target.Size];
        Decode(encoded, target, pixels, source);
        return pixels;
    }

    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="destination"/>, [C, H, W] of <paramref name="target"/>'s shape.</summary>
    /// <param name="encoded">The PNG or JPEG bytes.</param>
    /// <param name="target">Channels (1 or 3), height and width to convert the image to.</param>
    /// <param name="destination">Exactly <see cref="ImageShape.Size"/> bytes of <paramref name="target"/>.</param>
    /// <param name="source">What to call the image in an error message: a path, or a name such as <c>input[3]</c>.</param>
    /// <exception cref="DataFormatException">The bytes are not a whole PNG or JPEG image.</exception>
    public static void Decode(ReadOnlySpan<byte> encoded, ImageShape target, Span<byte> destination, string source)
    {
        using SKData data = SKData.CreateCopy(encoded);
        Decode(data, target, destination, source);
    }

    /// <summary>What <see cref="Identify(ReadOnlySpan{byte}, string)"/> does, for a file read without copying.</summary>
    internal static EncodedImageInfo IdentifyFile(string path)
    {
        using SKData data = OpenFile(path);
        return Identify(data, path);
    }

    /// <summary>What <see cref="Decode(ReadOnlySpan{byte}, ImageShape, Span{byte}, string)"/> does, for a file.</summary>
    internal static void DecodeFile(string path, ImageShape target, Span<byte> destination)
    {
        using SKData data = OpenFile(path);
        Decode(data, target, destination, path);
    }

    private static SKData OpenFile(string path) =>
        SKData.Create(path) ?? throw new DataFormatException(path, "cannot be read: check that it exists and is readable.");

    private static EncodedImageInfo Identify(SKData data, string source)
    {
        using SKCodec codec = OpenCodec(data, source);
        SKImageInfo info = codec.Info;
        return new EncodedImageInfo(info.Width, info.Height, info.ColorType == SKColorType.Gray8);
    }

    private static void Decode(SKData data, ImageShape target, Span<byte> destination, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (target.Channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, "Images are decoded to 1 (grey) or 3 (RGB) channels.");
        }
        if (destination.Length != target.Size)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} bytes, not the {target.Size} of one {target} image.", nameof(destination));
        }

        using SKCodec codec = OpenCodec(data, source);
        var decodedInfo = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(decodedInfo);
        SKCodecResult result = codec.GetPixels(decodedInfo, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new DataFormatException(source, result == SKCodecResult.IncompleteInput
                ? "is truncated: it ends before its image does."
                : $"does not decode ({result}): it is damaged or not a PNG or JPEG image.");
        }

        if (decoded.Width == target.Width && decoded.Height == target.Height)
        {
            WritePlanes(decoded.GetPixelSpan(), target, destination);
            return;
        }
        using var resized = new SKBitmap(new SKImageInfo(target.Width, target.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (!decoded.ScalePixels(resized, Sampling))
        {
            throw new DataFormatException(source, $"could not be resized to {target.Width}x{target.Height}.");
        }
        WritePlanes(resized.GetPixelSpan(), target, destination);
    }

    // The codec owns the stream it reads (and frees it when it fails to open); the stream only reads data.
    private static SKCodec OpenCodec(SKData data, string source)
    {
        SKCodec codec = SKCodec.Create(new SKMemoryStream(data), out SKCodecResult result) ?? throw new DataFormatException(source,
            result == SKCodecResult.IncompleteInput
                ? "is truncated: it ends before its image does."
                : $"does not decode as PNG or JPEG ({result}): it is another format or not an image.");
        // Skia reads more formats (GIF, WebP, BMP…); the contract, and the tests behind it, are PNG and JPEG.
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            string format = codec.EncodedFormat.ToString().ToUpperInvariant();
            codec.Dispose();
            throw new DataFormatException(source, $"is a {format} image, not PNG or JPEG: convert it first.");
        }
        return codec;
    }

    // rgba: premultiplied RGBA rows of the target size; destination: [C, H, W] of one image.
    private static void WritePlanes(ReadOnlySpan<byte> rgba, ImageShape target, Span<byte> destination)
    {
        int plane = target.Height * target.Width;
        for (int p = 0; p < plane; p++)
        {
            byte r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
            if (target.Channels == 1)
            {
                destination[p] = (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);
            }
            else
            {
                destination[p] = r;
                destination[plane + p] = g;
                destination[2 * plane + p] = b;
            }
        }
    }
}
