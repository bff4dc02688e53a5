using Pipeline.Training.Augmentations;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Objectives;

[Collection(TorchCollection.Name)]
public sealed class AutoencoderObjectiveTests
{
    [Fact]
    public void Dae_EncodesTheCorruptedImageAndIsScoredOnTheCleanOne()
    {
        using var scope = NewDisposeScope();
        using var dae = (AutoencoderObjective)Create("dae");
        Tensor pixels = VaeObjectiveTests.Pixels(16);

        double loss;
        using (var generator = new Generator(9))
        {
            loss = dae.ComputeLoss(pixels, generator, step: 0).Value.item<float>();
        }
        Tensor corrupted;
        using (var generator = new Generator(9))
        {
            corrupted = dae.Corruption!.Apply(pixels, generator);
        }
        Tensor output = dae.Decoder.forward(dae.Encoder.forward(corrupted));

        Assert.Equal("dae", dae.Method);
        Assert.Equal(dae.Likelihood.NegativeLogLikelihood(output, pixels).mean().item<float>(), loss, 3);
        double againstCorrupted = dae.Likelihood.NegativeLogLikelihood(output, corrupted).mean().item<float>();
        Assert.True(Math.Abs(againstCorrupted - loss) > 1, $"scored {loss} against clean and {againstCorrupted} against corrupted pixels");
    }

    [Fact]
    public void Ae_ReconstructsTheImageItEncodes_WithoutDrawingAnything()
    {
        using var scope = NewDisposeScope();
        using var ae = (AutoencoderObjective)Create("ae");
        Tensor pixels = VaeObjectiveTests.Pixels(16);
        using var first = new Generator(1);
        using var second = new Generator(2);

        double a = ae.ComputeLoss(pixels, first, step: 0).Value.item<float>();
        double b = ae.ComputeLoss(pixels, second, step: 0).Value.item<float>();
        double expected = ae.Likelihood.NegativeLogLikelihood(ae.Decoder.forward(ae.Encoder.forward(pixels)), pixels).mean().item<float>();

        Assert.Equal("ae", ae.Method);
        Assert.Null(ae.Corruption);
        Assert.Equal(a, b);
        Assert.Equal(expected, a, 3);
    }

    private static PretextObjective Create(string method)
    {
        PretrainConfig config = TinyRun.Config(TinyRun.Images(64), method: method);
        random.manual_seed(0);
        return PretextMethods.Create(config);
    }
}
