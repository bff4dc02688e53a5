using Pipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>Turns images stored as bytes into what an encoder takes, float32 [n, C, H, W] in [0, 1], and decoded images back into bytes.</summary>
public static class PixelTensors
{
    /// <summary>Images <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 of the set, on <paramref name="device"/>.</summary>
    public static Tensor FromImages(ImageSet images, int first, int count, Device device)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, images.Count);
        using var scope = NewDisposeScope();
        int size = images.ImageSize;
        byte[] bytes = images.Pixels.AsSpan(first * size, count * size).ToArray();
        // [n, C, H, W] uint8 → float32 in [0, 1], converted on the device.
        Tensor pixels = tensor(bytes, ScalarType.Byte).reshape(count, images.Channels, images.Height, images.Width)
            .to(device).to(ScalarType.Float32).div_(255f);
        return scope.MoveToOuter(pixels);
    }

    /// <summary>
    /// Images as float [n, C, H, W] in [0, 1] (others clamped), on any device, as bytes [n, C, H, W] in [0, 255] (rounded)
    /// and their shape: what <see cref="ImageSet"/> and <see cref="Pipeline.Figures.ImageGrid"/> hold.
    /// </summary>
    public static (byte[] Pixels, ImageShape Shape) ToBytes(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
        {
            throw new ArgumentException($"Images are [n, C, H, W], not [{string.Join(", ", images.shape)}].", nameof(images));
        }
        using var scope = NewDisposeScope();
        byte[] pixels = images.detach().cpu().to(ScalarType.Float32).clamp(0, 1).mul(255).round().to(ScalarType.Byte)
            .contiguous().data<byte>().ToArray();
        return (pixels, new ImageShape((int)images.shape[1], (int)images.shape[2], (int)images.shape[3]));
    }
}
