using Pipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>Turns images stored as bytes into what an encoder takes: float32 [n, C, H, W] in [0, 1].</summary>
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
}
