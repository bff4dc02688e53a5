using Pipeline.Training.Decoders;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Decoders;

public sealed class ConvDecoderTests
{
    [Theory]
    [InlineData(1, 28, 28, 2)]
    [InlineData(3, 32, 32, 3)]
    [InlineData(3, 8, 8, 1)]
    [InlineData(1, 20, 36, 3)]
    [InlineData(3, 96, 96, 4)]
    public void Forward_GivesOneOutputPerPixelOfTheImageShape(int channels, int height, int width, int stages)
    {
        using var scope = NewDisposeScope();
        using var decoder = new ConvDecoder(latentDim: 6, channels, height, width, baseWidth: 32);

        Tensor output = decoder.forward(randn(3, 6));

        Assert.Equal(stages, decoder.Stages);
        Assert.Equal([3L, channels, height, width], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void StagesFor_LeavesAStartMapOfAtMostSevenPixels()
    {
        Assert.Equal([1, 1, 2, 3, 3, 5, 7], new[] { 8, 14, 28, 32, 56, 224, 512 }.Select(ConvDecoder.StagesFor));
    }

    [Fact]
    public void Forward_DependsOnTheCode()
    {
        using var scope = NewDisposeScope();
        using var decoder = new ConvDecoder(latentDim: 4, channels: 1, height: 28, width: 28, baseWidth: 16);
        decoder.eval();

        Tensor a = decoder.forward(randn(1, 4));
        Tensor b = decoder.forward(randn(1, 4));

        Assert.False(a.allclose(b));
    }
}
