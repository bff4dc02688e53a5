using Pipeline.Training.Augmentations;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Augmentations;

public sealed class SimClrAugmentationTests
{
    private static readonly SimClrAugmentationOptions None = SimClrAugmentationOptions.None;

    public static TheoryData<int, int> Shapes => new() { { 1, 28 }, { 3, 32 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_IdentityOptions_ReturnsInput(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var images = RandomImages(16, channels, side, side, seed: 1);
        var augmentation = new SimClrAugmentation(None, channels, side, side);

        var output = augmentation.Apply(images, new Generator(7, CPU));

        Assert.True(MaxAbsDifference(output, images) <= 1e-5);
        output.fill_(0);
        Assert.True(images.max().item<float>() > 0, "the output must be a tensor of its own");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_DefaultOptionsWithBlur_PreservesShapeDeviceAndRange(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var options = new SimClrAugmentationOptions { BlurProbability = 0.5 };
        var augmentation = new SimClrAugmentation(options, channels, side, side);
        foreach (var device in Devices())
        {
            var images = RandomImages(64, channels, side, side, seed: 2).to(device);
            var before = images.clone();

            var output = augmentation.Apply(images, new Generator(3, CPU));

            Assert.Equal(images.shape, output.shape);
            Assert.Equal(ScalarType.Float32, output.dtype);
            Assert.Equal(device.type, output.device.type);
            Assert.True(output.min().item<float>() >= 0);
            Assert.True(output.max().item<float>() <= 1);
            Assert.True(MaxAbsDifference(output, images) > 0.1, "the defaults must change the images");
            Assert.True(Tensors.BitIdentical(images, before), "the input must not be modified");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_SameSeed_GivesBitIdenticalOutput(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var options = new SimClrAugmentationOptions { BlurProbability = 0.5 };
        var augmentation = new SimClrAugmentation(options, channels, side, side);
        var images = RandomImages(32, channels, side, side, seed: 4);

        var first = augmentation.Apply(images, new Generator(11, CPU));
        var second = augmentation.Apply(images, new Generator(11, CPU));

        Assert.True(Tensors.BitIdentical(first, second));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_DifferentSeed_GivesDifferentOutput(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var augmentation = new SimClrAugmentation(new SimClrAugmentationOptions(), channels, side, side);
        var images = RandomImages(32, channels, side, side, seed: 4);

        var first = augmentation.Apply(images, new Generator(11, CPU));
        var second = augmentation.Apply(images, new Generator(12, CPU));

        Assert.True(MaxAbsDifference(first, second) > 0.1);
    }

    [Fact]
    public void Apply_SameGeneratorTwice_GivesTwoDifferentViews()
    {
        using var scope = NewDisposeScope();
        var augmentation = new SimClrAugmentation(new SimClrAugmentationOptions(), 1, 28, 28);
        var images = RandomImages(32, 1, 28, 28, seed: 5);
        var generator = new Generator(13, CPU);

        var first = augmentation.Apply(images, generator);
        var second = augmentation.Apply(images, generator);

        Assert.True(MaxAbsDifference(first, second) > 0.1);
    }

    [Fact]
    public void Apply_BatchOfIdenticalImages_GivesDifferentViewsPerSample_CropAlone()
    {
        using var scope = NewDisposeScope();
        var options = None with { CropScale = (0.08, 1.0), CropAspectRatio = (3.0 / 4.0, 4.0 / 3.0) };
        var augmentation = new SimClrAugmentation(options, 1, 28, 28);
        var images = RandomImages(1, 1, 28, 28, seed: 6).expand(64, 1, 28, 28);

        var output = augmentation.Apply(images, new Generator(17, CPU));

        AssertPairwiseDifferent(output);
    }

    [Fact]
    public void Apply_BatchOfIdenticalImages_GivesDifferentViewsPerSample_BrightnessAlone()
    {
        using var scope = NewDisposeScope();
        var options = None with { ColorJitterProbability = 1.0, Brightness = 0.4 };
        var augmentation = new SimClrAugmentation(options, 3, 32, 32);
        var images = RandomImages(1, 3, 32, 32, seed: 7).expand(64, 3, 32, 32);

        var output = augmentation.Apply(images, new Generator(19, CPU));

        AssertPairwiseDifferent(output);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_FlipProbabilityOne_EqualsTorchFlip(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var options = None with { HorizontalFlipProbability = 1.0 };
        var augmentation = new SimClrAugmentation(options, channels, side, side);
        var images = RandomImages(16, channels, side, side, seed: 8);

        var output = augmentation.Apply(images, new Generator(23, CPU));

        Assert.True(MaxAbsDifference(output, images.flip(3)) <= 1e-5);
    }

    [Fact]
    public void Apply_FlipProbabilityHalf_FlipsAboutHalfOfTheSamples()
    {
        using var scope = NewDisposeScope();
        var options = None with { HorizontalFlipProbability = 0.5 };
        var augmentation = new SimClrAugmentation(options, 1, 8, 8);
        var images = HorizontalRamp(1000, 8, 8);

        var output = augmentation.Apply(images, new Generator(29, CPU));

        // Binomial(1000, 0.5) has standard deviation 15.8: 500 +- 60 is almost 4 deviations.
        var flipped = (output[.., 0, 0, 0] > output[.., 0, 0, 7]).sum().item<long>();
        Assert.InRange(flipped, 440, 560);
        var unflipped = (output - images).abs().amax([1, 2, 3]) <= 1e-6;
        var mirrored = (output - images.flip(3)).abs().amax([1, 2, 3]) <= 1e-6;
        Assert.True((unflipped | mirrored).all().item<bool>(), "every sample is the image or its mirror");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_CropOfAQuarterOfTheArea_ShowsHalfOfAHorizontalRamp(bool flip)
    {
        using var scope = NewDisposeScope();
        var options = None with
        {
            CropScale = (0.25, 0.25),
            CropAspectRatio = (1.0, 1.0),
            HorizontalFlipProbability = flip ? 1.0 : 0.0,
        };
        var augmentation = new SimClrAugmentation(options, 1, 32, 32);
        var images = HorizontalRamp(64, 32, 32);                 // 0 at the left column, 1 at the right

        var output = augmentation.Apply(images, new Generator(31, CPU));
        if (flip)
        {
            output = output.flip(3);
        }

        // Columns stay constant, rows keep increasing (decreasing when flipped), and a crop half as wide spans half
        // the ramp (less a little where the border clamps the outermost half pixel).
        Assert.True(MaxAbsDifference(output, output[.., .., ..1, ..].expand_as(output)) <= 1e-6);
        Assert.True((output[.., .., .., 1..] >= output[.., .., .., ..^1] - 1e-6).all().item<bool>());
        var span = output[.., 0, 0, ^1] - output[.., 0, 0, 0];  // [N]
        Assert.True(span.min().item<float>() >= 0.5 - (1.0 / 31) - 1e-5, $"span {span.min().item<float>()}");
        Assert.True(span.max().item<float>() <= 0.5 + 1e-5, $"span {span.max().item<float>()}");
        var left = output[.., 0, 0, 0];
        Assert.True((left.max() - left.min()).item<float>() > 0.2, "the crop's position must vary per sample");
    }

    [Fact]
    public void Apply_CropOfTallRatio_ShowsLessOfARampHorizontallyThanVertically()
    {
        using var scope = NewDisposeScope();
        // Area 0.25 with width/height 1/4: width 0.25, height 1 of the image.
        var options = None with { CropScale = (0.25, 0.25), CropAspectRatio = (0.25, 0.25) };
        var augmentation = new SimClrAugmentation(options, 1, 32, 32);
        var horizontal = HorizontalRamp(8, 32, 32);
        var vertical = horizontal.transpose(2, 3);

        var horizontalSpan = Span(augmentation.Apply(horizontal, new Generator(37, CPU)));
        var verticalSpan = Span(augmentation.Apply(vertical, new Generator(37, CPU)));

        Assert.InRange(horizontalSpan, 0.25 - (1.0 / 31) - 1e-5, 0.25 + 1e-5);
        Assert.InRange(verticalSpan, 1 - 1e-5, 1 + 1e-5);

        static double Span(Tensor output) => (output.amax([1, 2, 3]) - output.amin([1, 2, 3])).mean().item<float>();
    }

    [Fact]
    public void Apply_NoCropFitsTheImage_FallsBackToTheCentredCropOfTheClampedRatio()
    {
        using var scope = NewDisposeScope();
        // A 3:1 image with the whole area and ratios up to 4/3 never fits: torchvision then takes the centred crop of
        // ratio 4/3 and full height, 4/9 of the width.
        var options = None with { CropScale = (1.0, 1.0), CropAspectRatio = (3.0 / 4.0, 4.0 / 3.0) };
        var augmentation = new SimClrAugmentation(options, 1, 16, 48);
        var images = HorizontalRamp(8, 16, 48);

        var output = augmentation.Apply(images, new Generator(39, CPU));

        var span = output[.., 0, 0, ^1] - output[.., 0, 0, 0];  // [N]
        Assert.True(MaxAbsDifference(span, full_like(span, 4.0f / 9)) <= 1e-5, $"span {span.min().item<float>()}");
        Assert.True(MaxAbsDifference(output.mean([1, 2, 3]), full(8, 0.5f)) <= 1e-5);
    }

    [Fact]
    public void Apply_BrightnessOnly_ScalesEachSampleWithinTheStrength()
    {
        using var scope = NewDisposeScope();
        const double strength = 0.4;
        var options = None with { ColorJitterProbability = 1.0, Brightness = strength };
        var augmentation = new SimClrAugmentation(options, 3, 16, 16);
        var images = full(256, 3, 16, 16, 0.5f);

        var ratios = augmentation.Apply(images, new Generator(41, CPU)) / images;  // [N, C, H, W]

        var perSample = ratios.amin([1, 2, 3]);
        Assert.True(MaxAbsDifference(ratios.amax([1, 2, 3]), perSample) <= 1e-6, "one factor per sample");
        Assert.True(perSample.min().item<float>() >= 1 - strength - 1e-6);
        Assert.True(perSample.max().item<float>() <= 1 + strength + 1e-6);
        Assert.True(perSample.max().item<float>() - perSample.min().item<float>() > 1.5 * strength);
    }

    [Fact]
    public void Apply_ColorJitterProbabilityHalf_LeavesAboutHalfUnchanged()
    {
        using var scope = NewDisposeScope();
        var options = None with { ColorJitterProbability = 0.5, Brightness = 0.4 };
        var augmentation = new SimClrAugmentation(options, 1, 8, 8);
        var images = full(1000, 1, 8, 8, 0.5f);

        var output = augmentation.Apply(images, new Generator(43, CPU));

        var unchanged = ((output - images).abs().amax([1, 2, 3]) == 0).sum().item<long>();
        Assert.InRange(unchanged, 440, 560);
    }

    [Fact]
    public void Apply_ContrastOnly_KeepsEachImagesMeanLuma()
    {
        using var scope = NewDisposeScope();
        var options = None with { ColorJitterProbability = 1.0, Contrast = 0.4 };
        var augmentation = new SimClrAugmentation(options, 3, 16, 16);
        var images = (RandomImages(64, 3, 16, 16, seed: 9) * 0.2) + 0.4;   // no clamping can happen

        var output = augmentation.Apply(images, new Generator(47, CPU));

        Assert.True(MaxAbsDifference(MeanLuma(output), MeanLuma(images)) <= 1e-5);
        Assert.True(MaxAbsDifference(output, images) > 0.01);
    }

    [Fact]
    public void Apply_SaturationOnly_KeepsEveryPixelsLuma()
    {
        using var scope = NewDisposeScope();
        var options = None with { ColorJitterProbability = 1.0, Saturation = 0.4 };
        var augmentation = new SimClrAugmentation(options, 3, 16, 16);
        var images = (RandomImages(64, 3, 16, 16, seed: 10) * 0.2) + 0.4;

        var output = augmentation.Apply(images, new Generator(53, CPU));

        Assert.True(MaxAbsDifference(Luma(output), Luma(images)) <= 1e-5);
        Assert.True(MaxAbsDifference(output, images) > 0.01);
    }

    [Fact]
    public void Apply_HueOnly_KeepsLumaAndGreysButChangesColours()
    {
        using var scope = NewDisposeScope();
        var options = None with { ColorJitterProbability = 1.0, Hue = 0.5 };
        var augmentation = new SimClrAugmentation(options, 3, 16, 16);
        var images = (RandomImages(64, 3, 16, 16, seed: 12) * 0.2) + 0.4;
        images[.., .., 0, 0].fill_(0.3f);                         // one grey pixel per image

        var output = augmentation.Apply(images, new Generator(59, CPU));

        Assert.True(MaxAbsDifference(Luma(output), Luma(images)) <= 1e-5);
        Assert.True(MaxAbsDifference(output[.., .., 0, 0], images[.., .., 0, 0]) <= 1e-5);
        Assert.True(MaxAbsDifference(output, images) > 0.01);
    }

    [Fact]
    public void Apply_OneChannelImages_IgnoreSaturationHueAndGrayscale()
    {
        using var scope = NewDisposeScope();
        var options = None with
        {
            ColorJitterProbability = 1.0,
            Saturation = 0.4,
            Hue = 0.5,
            GrayscaleProbability = 1.0,
        };
        var augmentation = new SimClrAugmentation(options, 1, 16, 16);
        var images = RandomImages(16, 1, 16, 16, seed: 13);

        var output = augmentation.Apply(images, new Generator(61, CPU));

        Assert.True(Tensors.BitIdentical(output, images));
    }

    [Fact]
    public void Apply_GrayscaleProbabilityOne_GivesThreeEqualChannels()
    {
        using var scope = NewDisposeScope();
        var options = None with { GrayscaleProbability = 1.0 };
        var augmentation = new SimClrAugmentation(options, 3, 16, 16);
        var images = RandomImages(32, 3, 16, 16, seed: 14);

        var output = augmentation.Apply(images, new Generator(67, CPU));

        Assert.True(MaxAbsDifference(output[.., 0], output[.., 1]) <= 1e-6);
        Assert.True(MaxAbsDifference(output[.., 0], output[.., 2]) <= 1e-6);
        Assert.True(MaxAbsDifference(output[.., 0], Luma(images)) <= 1e-5);
    }

    [Fact]
    public void Apply_BlurOnASingleBrightPixel_GivesANormalisedSymmetricKernel()
    {
        using var scope = NewDisposeScope();
        var options = None with { BlurProbability = 1.0, BlurSigma = (1.0, 2.0) };
        var augmentation = new SimClrAugmentation(options, 3, 64, 64);
        Assert.Equal(7, augmentation.BlurKernelSize);            // 10% of 64, odd
        var images = zeros(16, 3, 64, 64);
        images[.., .., 32, 32].fill_(1);

        var output = augmentation.Apply(images, new Generator(71, CPU));

        var sums = output.sum([2, 3]);                            // [N, C]
        Assert.True(MaxAbsDifference(sums, ones_like(sums)) <= 1e-5);
        var kernels = output[.., .., 29..36, 29..36];             // [N, C, 7, 7] around the pixel
        Assert.True(MaxAbsDifference(kernels.sum([2, 3]), sums) <= 1e-6, "nothing outside the kernel's reach");
        Assert.True(MaxAbsDifference(kernels, kernels.flip(2)) <= 1e-6);
        Assert.True(MaxAbsDifference(kernels, kernels.flip(3)) <= 1e-6);
        Assert.True(MaxAbsDifference(kernels, kernels.transpose(2, 3)) <= 1e-6);
        Assert.True(output.amax([2, 3]).max().item<float>() < 0.5, "sigma >= 1 spreads the pixel");
        var centres = output[.., 0, 32, 32];
        Assert.True((centres.max() - centres.min()).item<float>() > 0.02, "sigma must vary per sample");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_ErasingAlone_FillsOneRectangleOfTheDrawnAreaWithTheImagesMean(int channels, int side)
    {
        using var scope = NewDisposeScope();
        var options = None with { ErasingProbability = 1, ErasingScale = (0.25, 0.25) };
        var augmentation = new SimClrAugmentation(options, channels, side, side);
        var images = RandomImages(32, channels, side, side, seed: 83);

        var output = augmentation.Apply(images, new Generator(89, CPU));

        var changed = output.ne(images).any(1);                                              // [N, H, W]
        var mean = images.mean([1, 2, 3], keepdim: true).expand_as(images);
        for (var i = 0; i < 32; i++)
        {
            var rows = changed[i].any(1).nonzero().flatten();
            var cols = changed[i].any(0).nonzero().flatten();
            long height = rows[-1].item<long>() - rows[0].item<long>() + 1;
            long width = cols[-1].item<long>() - cols[0].item<long>() + 1;
            Assert.Equal(height * width, changed[i].sum().item<long>());                   // one filled rectangle
            Assert.InRange(height * width, 0.15 * side * side, 0.35 * side * side);
            var inside = changed[i].unsqueeze(0).expand(channels, side, side);
            Assert.True(output[i].masked_select(inside).allclose(mean[i].masked_select(inside)), "the rectangle is not the image's mean");
        }
    }

    [Fact]
    public void Apply_ErasingProbabilityHalf_ErasesAboutHalfOfTheSamples()
    {
        using var scope = NewDisposeScope();
        var augmentation = new SimClrAugmentation(None with { ErasingProbability = 0.5 }, 1, 28, 28);
        var images = RandomImages(400, 1, 28, 28, seed: 97);

        var output = augmentation.Apply(images, new Generator(101, CPU));

        long erased = output.ne(images).flatten(1).any(1).sum().item<long>();
        Assert.InRange(erased, 160, 240);
    }

    [Fact]
    public void Apply_EmptyBatch_GivesEmptyBatch()
    {
        using var scope = NewDisposeScope();
        var options = new SimClrAugmentationOptions { BlurProbability = 0.5 };
        var augmentation = new SimClrAugmentation(options, 3, 32, 32);

        var output = augmentation.Apply(zeros(0, 3, 32, 32), new Generator(73, CPU));

        Assert.Equal([0L, 3, 32, 32], output.shape);
    }

    [Fact]
    public void Apply_WrongShapeOrDtype_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var augmentation = new SimClrAugmentation(new SimClrAugmentationOptions(), 1, 28, 28);
        var generator = new Generator(79, CPU);

        var shape = Assert.Throws<ArgumentException>(() => augmentation.Apply(zeros(4, 1, 28, 32), generator));
        Assert.Contains("[4, 1, 28, 32]", shape.Message);
        var doubles = zeros(4, 1, 28, 28, ScalarType.Float64);
        var dtype = Assert.Throws<ArgumentException>(() => augmentation.Apply(doubles, generator));
        Assert.Contains("Float64", dtype.Message);
    }

    private static void AssertPairwiseDifferent(Tensor output)
    {
        var n = output.shape[0];
        var flat = output.reshape(n, -1);                         // [N, CHW]
        var distances = cdist(flat, flat);                        // [N, N]
        var offDiagonal = distances + (eye(n) * 1e9f);
        Assert.True(offDiagonal.min().item<float>() > 1e-3, "two samples got the same view");
    }

    private static Tensor RandomImages(long n, long c, long h, long w, long seed) =>
        rand([n, c, h, w], generator: new Generator((ulong)seed, CPU));

    // [N, 1, H, W], x / (W - 1) in every row: 0 at the left, 1 at the right.
    private static Tensor HorizontalRamp(long n, long h, long w) =>
        (arange(w, dtype: ScalarType.Float32) / (w - 1)).view(1, 1, 1, w).expand(n, 1, h, w).contiguous();

    private static Tensor Luma(Tensor images) =>
        (0.299f * images[.., 0]) + (0.587f * images[.., 1]) + (0.114f * images[.., 2]);

    private static Tensor MeanLuma(Tensor images) => Luma(images).mean([1, 2]);

    private static double MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static IEnumerable<Device> Devices()
    {
        yield return CPU;
        if (cuda.is_available())
        {
            yield return CUDA;
        }
    }
}
