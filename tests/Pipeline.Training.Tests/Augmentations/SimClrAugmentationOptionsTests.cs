using Pipeline.Training.Augmentations;

namespace Pipeline.Training.Tests.Augmentations;

public sealed class SimClrAugmentationOptionsTests
{
    public static TheoryData<string, SimClrAugmentationOptions, string> InvalidOptions => new()
    {
        { "CropScale", new SimClrAugmentationOptions { CropScale = (0.9, 0.1) }, "(0.9, 0.1)" },
        { "CropScale", new SimClrAugmentationOptions { CropScale = (0, 1) }, "(0, 1)" },
        { "CropScale", new SimClrAugmentationOptions { CropScale = (0.5, 1.5) }, "(0.5, 1.5)" },
        { "CropAspectRatio", new SimClrAugmentationOptions { CropAspectRatio = (2, 1) }, "(2, 1)" },
        { "HorizontalFlipProbability", new SimClrAugmentationOptions { HorizontalFlipProbability = 1.5 }, "1.5" },
        { "ColorJitterProbability", new SimClrAugmentationOptions { ColorJitterProbability = -0.1 }, "-0.1" },
        { "GrayscaleProbability", new SimClrAugmentationOptions { GrayscaleProbability = double.NaN }, "NaN" },
        { "BlurProbability", new SimClrAugmentationOptions { BlurProbability = 2 }, "2" },
        { "Brightness", new SimClrAugmentationOptions { Brightness = -0.4 }, "-0.4" },
        { "Contrast", new SimClrAugmentationOptions { Contrast = -1 }, "-1" },
        { "Saturation", new SimClrAugmentationOptions { Saturation = double.PositiveInfinity }, "Infinity" },
        { "Hue", new SimClrAugmentationOptions { Hue = 0.6 }, "0.6" },
        { "Hue", new SimClrAugmentationOptions { Hue = -0.1 }, "-0.1" },
        { "BlurSigma", new SimClrAugmentationOptions { BlurSigma = (0, 2) }, "(0, 2)" },
        { "BlurSigma", new SimClrAugmentationOptions { BlurSigma = (2, 1) }, "(2, 1)" },
        { "BlurKernelFraction", new SimClrAugmentationOptions { BlurKernelFraction = 0 }, "0" },
        { "ErasingProbability", new SimClrAugmentationOptions { ErasingProbability = -0.1 }, "-0.1" },
        { "ErasingScale", new SimClrAugmentationOptions { ErasingScale = (0, 0.3) }, "(0, 0.3)" },
        { "ErasingScale", new SimClrAugmentationOptions { ErasingScale = (0.5, 1.5) }, "(0.5, 1.5)" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionNamingTheValue(
        string name, SimClrAugmentationOptions options, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => new SimClrAugmentation(options, 3, 32, 32));

        Assert.Equal(name, error.ParamName);
        Assert.Contains($"{name} is {value}", error.Message);
        Assert.Contains("accepted", error.Message);
    }

    [Fact]
    public void Defaults_AreSimClrsCifarSetting()
    {
        var options = new SimClrAugmentationOptions();

        Assert.Equal((0.08, 1.0), options.CropScale);
        Assert.Equal((0.75, 4.0 / 3.0), options.CropAspectRatio);
        Assert.Equal(0.5, options.HorizontalFlipProbability);
        Assert.Equal(0.8, options.ColorJitterProbability);
        Assert.Equal((0.4, 0.4, 0.4, 0.1), (options.Brightness, options.Contrast, options.Saturation, options.Hue));
        Assert.Equal(0.2, options.GrayscaleProbability);
        Assert.Equal(0.0, options.BlurProbability);
        Assert.Equal((0.1, 2.0), options.BlurSigma);
        options.Validate();
        SimClrAugmentationOptions.None.Validate();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Constructor_UnsupportedChannels_ThrowsArgumentException(int channels)
    {
        var options = new SimClrAugmentationOptions();

        var error = Assert.ThrowsAny<ArgumentException>(() => new SimClrAugmentation(options, channels, 32, 32));

        Assert.Contains($"channels is {channels}", error.Message);
    }

    [Theory]
    [InlineData(28, 3)]
    [InlineData(32, 3)]
    [InlineData(64, 7)]
    [InlineData(224, 23)]
    public void BlurKernelSize_IsTheOddSizeNearestToATenthOfTheSide(int side, int expected)
    {
        var augmentation = new SimClrAugmentation(new SimClrAugmentationOptions(), 1, side, side);

        Assert.Equal(expected, augmentation.BlurKernelSize);
    }

    [Fact]
    public void Constructor_BlurKernelTooLargeForTheImage_ThrowsArgumentException()
    {
        // Reflect padding needs kernel size / 2 < side; the smallest kernel, 3, does not fit a 1-pixel side.
        var options = new SimClrAugmentationOptions { BlurProbability = 0.5 };

        var error = Assert.Throws<ArgumentException>(() => new SimClrAugmentation(options, 1, 1, 16));

        Assert.Contains("kernel size 3", error.Message);
        Assert.Contains("1x16", error.Message);
    }
}
