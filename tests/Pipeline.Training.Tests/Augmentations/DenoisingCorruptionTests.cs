using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Objectives;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Augmentations;

public sealed class DenoisingCorruptionTests
{
    [Fact]
    public void Masking_ZeroesAboutAFractionPOfThePixels()
    {
        using var scope = NewDisposeScope();
        var corruption = new DenoisingCorruption(DenoisingSettings.Default with { NoiseStd = 0, MaskProbability = 0.3 });
        Tensor pixels = full(64, 1, 28, 28, 0.8f);
        using var generator = new Generator(4);

        Tensor corrupted = corruption.Apply(pixels, generator);

        // 50,176 Bernoulli(0.3) draws: the fraction's standard deviation is 0.002.
        double zeroed = corrupted.eq(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(zeroed, 0.29, 0.31);
        Assert.True(corrupted.eq(0).logical_or(corrupted.eq(0.8f)).all().item<bool>(), "masking does more than zero pixels");
        Assert.True(pixels.eq(0.8f).all().item<bool>(), "the clean pixels were changed in place");
    }

    [Fact]
    public void Noise_HasStandardDeviationSigmaAndMeanZero()
    {
        using var scope = NewDisposeScope();
        var corruption = new DenoisingCorruption(DenoisingSettings.Default with { NoiseStd = 0.1, MaskProbability = 0 });
        Tensor pixels = full(64, 1, 28, 28, 0.5f);
        using var generator = new Generator(4);

        Tensor noise = corruption.Apply(pixels, generator).sub(pixels);

        // Five σ from 0.5 to either bound: clamping touches about one pixel in two million.
        Assert.InRange(noise.std().item<float>(), 0.098, 0.102);
        Assert.InRange(noise.mean().item<float>(), -0.002, 0.002);
    }

    [Fact]
    public void Apply_StaysInTheUnitIntervalAndIsFixedByTheGenerator()
    {
        using var scope = NewDisposeScope();
        var corruption = new DenoisingCorruption(DenoisingSettings.Default);
        Tensor pixels = rand(8, 3, 16, 16);
        using var first = new Generator(12);
        using var second = new Generator(12);

        Tensor a = corruption.Apply(pixels, first);
        Tensor b = corruption.Apply(pixels, second);

        Assert.True(Tensors.BitIdentical(a, b));
        Assert.InRange(a.min().item<float>(), 0, 1);
        Assert.InRange(a.max().item<float>(), 0, 1);
    }

    [Theory]
    [InlineData(0.0, 0.0, null, "method ae")]
    [InlineData(-0.1, 0.2, "noise-std", "noise-std must be 0 or more")]
    [InlineData(0.1, 1.0, "mask-prob", "mask-prob must be in [0, 1)")]
    public void Settings_WithNothingToCorruptOrOutOfRange_AreRefused_NamingTheSettingNotAFlag(double noise, double mask, string? setting, string expected)
    {
        var error = Assert.Throws<InvalidSettingException>(() => new DenoisingCorruption(DenoisingSettings.Default with { NoiseStd = noise, MaskProbability = mask }));
        Assert.Contains(expected, error.Message);
        Assert.Equal(setting, error.Setting);
        Assert.DoesNotContain("--", error.Message);
    }
}
