using System.Buffers;
using Pipeline.Data;

namespace Pipeline.Inference;

/// <summary>
/// Turns PNG or JPEG bytes into a model's input: decoded, resized and converted to its channels by
/// <see cref="ImageDecoder"/>, then scaled from bytes to floats in [0, 1] (the contract's <c>pixels</c>). Thread-safe.
/// </summary>
public static class ImageInput
{
    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="destination"/>, [C, H, W] floats of <paramref name="shape"/>.</summary>
    /// <param name="encoded">PNG or JPEG bytes.</param>
    /// <param name="shape">The model's input shape.</param>
    /// <param name="destination">Exactly <see cref="ImageShape.Size"/> floats.</param>
    /// <param name="source">What to call the image in an error, such as a file name or <c>input[3]</c>.</param>
    /// <param name="limits">The largest image accepted; <see cref="ImageLimits.Default"/> when null.</param>
    /// <exception cref="InvalidInputException">
    /// Code <c>empty_image</c> (no bytes), <c>invalid_image</c> (not a whole PNG or JPEG) or <c>image_too_large</c>.
    /// </exception>
    public static void Decode(ReadOnlySpan<byte> encoded, ImageShape shape, Span<float> destination, string source,
        ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (destination.Length != shape.Size)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} floats, not the {shape.Size} of one {shape} image.", nameof(destination));
        }
        if (encoded.IsEmpty)
        {
            throw new InvalidInputException("empty_image", $"{source} is empty: send the bytes of a PNG or JPEG image.");
        }
        limits ??= ImageLimits.Default;
        byte[] bytes = ArrayPool<byte>.Shared.Rent(shape.Size);
        try
        {
            EncodedImageInfo info = ImageDecoder.Identify(encoded, source);
            if (info.Width > limits.MaxWidth || info.Height > limits.MaxHeight)
            {
                throw new InvalidInputException("image_too_large",
                    $"{source} is {info.Width}x{info.Height} pixels, larger than the {limits.MaxWidth}x{limits.MaxHeight} accepted: "
                    + $"send it smaller (the model reads {shape.Width}x{shape.Height}).");
            }
            Span<byte> pixels = bytes.AsSpan(0, shape.Size);
            ImageDecoder.Decode(encoded, shape, pixels, source);
            PixelScaling.ToUnitRange(pixels, destination);
        }
        catch (DataFormatException error)
        {
            throw new InvalidInputException("invalid_image", error.Message + " Send PNG or JPEG bytes.", error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
