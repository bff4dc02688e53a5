using Pipeline.Errors;
using Pipeline.Training.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Encoders;

public sealed class EncoderTests
{
    [Theory]
    [InlineData("convnet", 1, 28, 128)]
    [InlineData("convnet", 3, 32, 64)]
    [InlineData("resnet18", 1, 28, 64)]
    [InlineData("resnet18", 3, 32, 512)]
    public void Forward_AnyBatch_GivesOneEmbeddingPerImage(string architecture, int channels, int size, int dim)
    {
        using Encoder encoder = EncoderFactory.Create(Spec(architecture, channels, size, dim));
        encoder.eval();
        using Tensor pixels = rand(3, channels, size, size);

        using Tensor embedding = encoder.forward(pixels);

        Assert.Equal(new long[] { 3, dim }, embedding.shape);
        Assert.Equal(dim, encoder.EmbeddingDim);
    }

    [Fact]
    public void ResNet18_HasTheSmallImageStem()
    {
        using Encoder encoder = EncoderFactory.Create(Spec("resnet18", 3, 32, 512));

        Tensor stem = encoder.state_dict()["stem.conv.weight"];

        // 3×3 kernels over the 3 input channels; and no max-pool anywhere in the network.
        Assert.Equal(new long[] { 64, 3, 3, 3 }, stem.shape);
        Assert.DoesNotContain(encoder.named_modules(), module => module.module is TorchSharp.Modules.MaxPool2d);
        // 11.2 M parameters, as the CIFAR variant of ResNet-18.
        long parameters = encoder.parameters().Sum(p => p.numel());
        Assert.InRange(parameters, 11_100_000, 11_300_000);
    }

    [Fact]
    public void Normalization_IsInsideTheEncoder()
    {
        using Encoder encoder = EncoderFactory.Create(Spec("convnet", 1, 28, 128) with { Mean = [0.25f], Std = [0.5f] });
        Dictionary<string, Tensor> state = encoder.state_dict();

        Assert.Equal(0.25f, state["normalization.mean"].item<float>());
        Assert.Equal(0.5f, state["normalization.std"].item<float>());
    }

    [Fact]
    public void Create_UnknownArchitecture_ListsTheKnownOnes()
    {
        var error = Assert.Throws<InvalidSettingException>(() => EncoderFactory.Create(Spec("vgg", 1, 28, 128)));
        Assert.Contains("convnet", error.Message);
        Assert.Contains("resnet18", error.Message);
    }

    [Theory]
    [InlineData("convnet", 2, 28, 128, "channels")]
    [InlineData("convnet", 1, 4, 128, "8x8")]
    [InlineData("convnet", 1, 28, 130, "multiple of 4")]
    [InlineData("resnet18", 1, 28, 100, "multiple of 8")]
    public void Create_BadSpec_SaysWhatIsWrong(string architecture, int channels, int size, int dim, string expected)
    {
        var error = Assert.Throws<InvalidSettingException>(() => EncoderFactory.Create(Spec(architecture, channels, size, dim)));
        Assert.Contains(expected, error.Message);
    }

    internal static EncoderSpec Spec(string architecture, int channels, int size, int dim) =>
        new(architecture, channels, size, size, dim, Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray());
}
