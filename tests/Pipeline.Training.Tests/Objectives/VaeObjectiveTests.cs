using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Objectives;

[Collection(TorchCollection.Name)]
public sealed class VaeObjectiveTests
{
    [Fact]
    public void Reparameterize_GradientsReachTheMeanAndTheLogVariance()
    {
        using var scope = NewDisposeScope();
        Tensor mean = tensor(new float[] { 0.5f, -1, 2, 0 }).reshape(2, 2).requires_grad_();
        Tensor logVariance = tensor(new float[] { 0, -2, 1, 0.5f }).reshape(2, 2).requires_grad_();
        using var generator = new Generator(3);

        Tensor z = VaeObjective.Reparameterize(mean, logVariance, generator);
        z.sum().backward();

        // z = μ + exp(½ log σ²)·ε: ∂z/∂μ = 1 and ∂z/∂log σ² = ½·σ·ε = ½·(z − μ).
        Tensor expectedLogVarianceGradient = z.detach().sub(mean.detach()).mul(0.5);
        Assert.True(mean.grad!.eq(1).all().item<bool>());
        Assert.True(logVariance.grad!.allclose(expectedLogVarianceGradient, rtol: 1e-5, atol: 1e-7));
        Assert.True(expectedLogVarianceGradient.abs().gt(0).all().item<bool>());
    }

    [Fact]
    public void Reparameterize_DrawsEpsilonFromTheGeneratorOnly()
    {
        using var scope = NewDisposeScope();
        Tensor mean = zeros(64, 8);
        Tensor logVariance = zeros(64, 8);
        using var first = new Generator(5);
        using var second = new Generator(5);

        Tensor a = VaeObjective.Reparameterize(mean, logVariance, first);
        random.manual_seed(99);
        Tensor b = VaeObjective.Reparameterize(mean, logVariance, second);

        // Same generator state, same ε whatever the global generator did: a resumed step draws the same noise.
        Assert.True(Tensors.BitIdentical(a, b));
        Assert.InRange(a.std().item<float>(), 0.8, 1.2);
    }

    [Fact]
    public void ComputeLoss_IsReconstructionPlusWarmedUpBetaTimesKl_AndLogsBothTerms()
    {
        using var scope = NewDisposeScope();
        using VaeObjective vae = Vae(beta: 2, warmupSteps: 10);
        Tensor pixels = Pixels(16);

        PretextLoss loss;
        using (var generator = new Generator(7))
        {
            loss = vae.ComputeLoss(pixels, generator, step: 5);
        }
        (Tensor reconstruction, Tensor kl) terms;
        using (var generator = new Generator(7))
        {
            terms = vae.NegativeElboTerms(pixels, generator);
        }

        double reconstruction = terms.reconstruction.mean().item<float>();
        double kl = terms.kl.mean().item<float>();
        Assert.Equal(1.0, vae.KlWeight(5), 12);
        Assert.Equal(reconstruction + 1.0 * kl, loss.Value.item<float>(), 3);
        Assert.Equal(reconstruction, loss.Terms[VaeObjective.ReconstructionTerm].item<float>(), 3);
        Assert.Equal(kl, loss.Terms[VaeObjective.KlTerm].item<float>(), 5);
        Assert.True(kl > 0, $"KL {kl}");
        // Bernoulli on 784 grey pixels from an untrained decoder: hundreds of nats.
        Assert.InRange(reconstruction, 200, 1000);
    }

    [Fact]
    public void ComputeLoss_GradientReachesTheMeanHeadTheLogVarianceHeadAndTheDecoder()
    {
        using var scope = NewDisposeScope();
        using VaeObjective vae = Vae(beta: 1, warmupSteps: 0);
        using var generator = new Generator(1);

        vae.ComputeLoss(Pixels(8), generator, step: 0).Value.backward();

        var parameters = vae.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (string name in new[] { "encoder.latent.weight", "log_variance.weight", "decoder.project.weight", "encoder.backbone.features.conv1.weight" })
        {
            Tensor? gradient = parameters[name].grad;
            Assert.True(gradient is not null && gradient.abs().sum().item<float>() > 0, $"no gradient reached {name}");
        }
    }

    [Fact]
    public void KlWeight_RisesLinearlyOverTheWarmupThenStaysAtBeta()
    {
        using VaeObjective warm = Vae(beta: 0.5, warmupSteps: 100);
        using VaeObjective plain = Vae(beta: 0.5, warmupSteps: 0);

        Assert.Equal([0, 0.125, 0.5, 0.5], new long[] { 0, 25, 100, 1000 }.Select(warm.KlWeight));
        Assert.Equal(0.5, plain.KlWeight(0));
    }

    [Fact]
    public void Encoder_OutputsTheMeanOfThePosterior()
    {
        using var scope = NewDisposeScope();
        using VaeObjective vae = Vae(beta: 1, warmupSteps: 0);
        vae.eval();
        Tensor pixels = Pixels(5);

        Tensor embedding = vae.Encoder.forward(pixels);
        (Tensor mean, _) = vae.Posterior(pixels);

        Assert.IsType<LatentEncoder>(vae.Encoder);
        Assert.Equal([5L, 8L], embedding.shape);
        Assert.True(Tensors.BitIdentical(embedding, mean));
    }

    internal static Tensor Pixels(int count)
    {
        ImageSet images = TinyRun.Images(count);
        return PixelTensors.FromImages(images, 0, count, CPU);
    }

    private static VaeObjective Vae(double beta, long warmupSteps)
    {
        PretrainConfig vae = TinyRun.Config(TinyRun.Images(64), method: "vae");
        PretrainConfig config = vae with { Method = (VaeSettings)vae.Method with { Beta = beta, KlWarmupSteps = warmupSteps } };
        random.manual_seed(0);
        return (VaeObjective)PretextMethods.Create(config);
    }
}
