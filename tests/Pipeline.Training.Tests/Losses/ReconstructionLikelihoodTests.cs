using Pipeline.Training.Losses;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Losses;

public sealed class ReconstructionLikelihoodTests
{
    [Fact]
    public void Bernoulli_SumsTheBinaryCrossEntropyOverEachImagesPixels()
    {
        // Image 0: logits 0 (p = ½) cost ln 2 per pixel whatever x is: 4·ln 2.
        // Image 1: logit ln 3 (p = ¾) against x = 1, 0, ½, 1: −ln ¾ − ln ¼ − ½(ln ¾ + ln ¼) − ln ¾.
        float l = MathF.Log(3);
        using Tensor output = tensor(new float[] { 0, 0, 0, 0, l, l, l, l }).reshape(2, 1, 2, 2);
        using Tensor pixels = tensor(new float[] { 1, 0, 0.5f, 0.25f, 1, 0, 0.5f, 1 }).reshape(2, 1, 2, 2);
        using var likelihood = ReconstructionLikelihood.Create(Likelihood.Bernoulli);

        using Tensor nll = likelihood.NegativeLogLikelihood(output, pixels);

        double one = -Math.Log(0.75), zero = -Math.Log(0.25);
        Assert.Equal([2L], nll.shape);
        Assert.Equal(4 * Math.Log(2), nll[0].item<float>(), 5);
        Assert.Equal(one + zero + 0.5 * (one + zero) + one, nll[1].item<float>(), 5);
    }

    [Fact]
    public void Gaussian_InEvalMode_UsesItsRunningVariance()
    {
        // σ² = 1 (the running variance before any training): ½·ln 2π + ½·(x − μ)² per pixel.
        using Tensor output = tensor(new float[] { 0.5f, 0.5f, 0, 1 }).reshape(1, 1, 2, 2);
        using Tensor pixels = tensor(new float[] { 1, 0.5f, 0, 0 }).reshape(1, 1, 2, 2);
        using var likelihood = (GaussianLikelihood)ReconstructionLikelihood.Create(Likelihood.Gaussian);
        likelihood.eval();

        using Tensor nll = likelihood.NegativeLogLikelihood(output, pixels);

        double halfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);
        Assert.Equal(4 * halfLogTwoPi + 0.5 * (0.25 + 0 + 0 + 1), nll.item<float>(), 5);
    }

    [Fact]
    public void Gaussian_InTraining_UsesTheBatchsMaximumLikelihoodVarianceAndAveragesIt()
    {
        // Squared errors 0.25, 0, 0, 1 over 4 pixels: σ² = 0.3125, and then Σ (x − μ)²/σ² = 4, so the NLL is
        // 4·(½·ln 2π + ½·ln 0.3125) + ½·4.
        using Tensor output = tensor(new float[] { 0.5f, 0.5f, 0, 1 }).reshape(1, 1, 2, 2);
        using Tensor pixels = tensor(new float[] { 1, 0.5f, 0, 0 }).reshape(1, 1, 2, 2);
        using var likelihood = (GaussianLikelihood)ReconstructionLikelihood.Create(Likelihood.Gaussian);
        likelihood.train();

        using Tensor nll = likelihood.NegativeLogLikelihood(output, pixels);

        Assert.Equal(4 * 0.5 * (Math.Log(2 * Math.PI) + Math.Log(0.3125)) + 2, nll.item<float>(), 4);
        // The running variance moved a tenth of the way from 1 towards 0.3125.
        Assert.Equal(0.9 + 0.1 * 0.3125, likelihood.RunningVariance.item<float>(), 6);
    }

    [Fact]
    public void Gaussian_PerfectReconstruction_StopsAtTheRoundingNoiseVariance()
    {
        using Tensor pixels = full(1, 1, 4, 4, 0.5f);
        using var likelihood = (GaussianLikelihood)ReconstructionLikelihood.Create(Likelihood.Gaussian);
        likelihood.train();

        using Tensor nll = likelihood.NegativeLogLikelihood(pixels, pixels);

        Assert.Equal(16 * 0.5 * (Math.Log(2 * Math.PI) + Math.Log(GaussianLikelihood.MinVariance)), nll.item<float>(), 2);
    }

    [Fact]
    public void NegativeLogLikelihood_ShapesThatDiffer_AreRefused()
    {
        using var likelihood = ReconstructionLikelihood.Create(Likelihood.Bernoulli);
        using Tensor output = zeros(2, 1, 28, 28);
        using Tensor pixels = zeros(2, 1, 32, 32);

        var error = Assert.Throws<ArgumentException>(() => likelihood.NegativeLogLikelihood(output, pixels));
        Assert.Contains("[2, 1, 28, 28] and [2, 1, 32, 32]", error.Message);
    }
}
