using Pipeline.Data;
using Pipeline.Training.Encoders;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Encoders;

public sealed class PixelTensorsTests
{
    [Fact]
    public void ToBytes_RoundsAndClampsToBytes_KeepingTheLayout()
    {
        using var scope = NewDisposeScope();
        // Two 1×2×2 images; values outside [0, 1] are clamped.
        Tensor images = tensor(new float[] { 0, 0.2f, 0.5f, 1, -0.5f, 1.5f, 0.999f, 0.001f }).reshape(2, 1, 2, 2);

        (byte[] pixels, ImageShape shape) = PixelTensors.ToBytes(images);

        Assert.Equal(new ImageShape(1, 2, 2), shape);
        Assert.Equal(new byte[] { 0, 51, 128, 255, 0, 255, 255, 0 }, pixels);
    }

    [Fact]
    public void ToBytes_GivesBackTheBytesFromImagesTook()
    {
        using var scope = NewDisposeScope();
        byte[] bytes = [.. Enumerable.Range(0, 2 * 3 * 2 * 2).Select(i => (byte)(i * 10))];
        var images = new ImageSet("test", bytes, 2, 3, 2, 2, null, []);

        (byte[] pixels, ImageShape shape) = PixelTensors.ToBytes(PixelTensors.FromImages(images, 0, 2, CPU));

        Assert.Equal(images.Shape, shape);
        Assert.Equal(bytes, pixels);
    }

    [Fact]
    public void ToBytes_NotABatchOfImages_IsRefused()
    {
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => PixelTensors.ToBytes(zeros(4, 8, 8)));
        Assert.Contains("[4, 8, 8]", error.Message);
    }
}
