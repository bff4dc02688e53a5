using Pipeline.Training.Decoders;
using Pipeline.Training.Encoders;
using Pipeline.Training.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The variational autoencoder (Kingma and Welling 2014) with a β-weighted KL term (Higgins et al. 2017): a Gaussian
/// posterior q(z | x) = N(μ, diag σ²) computed from the encoder's pooled features, a reparameterised sample
/// z = μ + σ·ε, a convolutional decoder p(x | z), and the loss −E_q[log p(x | z)] + β·KL(q ‖ N(0, I)) per image,
/// averaged over the batch.
/// </summary>
/// <remarks>
/// The encoder (the submodule "encoder", a <see cref="LatentEncoder"/>) outputs μ: that is the embedding evaluation and
/// export see. The log σ² head, the decoder and the likelihood are training-only submodules. ε is drawn from the step's
/// generator, so a resumed run draws the same noise. With a KL warm-up of N steps the KL weight grows linearly from 0 at
/// the first step to β at step N (Bowman et al. 2016), then stays at β.
/// </remarks>
public sealed class VaeObjective : PretextObjective, IReconstructingObjective
{
    /// <summary>The name of the reconstruction term in the step metrics.</summary>
    public const string ReconstructionTerm = "reconstruction";

    /// <summary>The name of the KL term in the step metrics.</summary>
    public const string KlTerm = "kl";

    // Field names are the state-dict keys.
    private readonly LatentEncoder encoder;
    private readonly Linear log_variance;
    private readonly ConvDecoder decoder;
    private readonly ReconstructionLikelihood likelihood;

    /// <param name="encoder">Backbone and μ head, trained and kept.</param>
    /// <param name="settings">The observation model p(x | z), β and the KL warm-up.</param>
    /// <exception cref="Pipeline.Errors.InvalidSettingException">A setting is out of range: β negative or not finite, the warm-up negative.</exception>
    public VaeObjective(LatentEncoder encoder, VaeSettings settings) : base(nameof(VaeObjective))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Beta = settings.Beta;
        KlWarmupSteps = settings.KlWarmupSteps;
        this.encoder = encoder;
        log_variance = nn.Linear(encoder.FeatureDim, encoder.EmbeddingDim);
        decoder = ConvDecoder.For(encoder);
        likelihood = ReconstructionLikelihood.Create(settings.Likelihood);
        RegisterComponents();
    }

    public override string Method => "vae";

    public override Encoder Encoder => encoder;

    /// <summary>β, the weight of the KL term after the warm-up.</summary>
    public double Beta { get; }

    /// <summary>Steps of the linear KL warm-up.</summary>
    public long KlWarmupSteps { get; }

    /// <summary>The decoder p(x | z).</summary>
    public ConvDecoder Decoder => decoder;

    /// <summary>The observation model.</summary>
    public ReconstructionLikelihood Likelihood => likelihood;

    /// <summary>The KL weight of the step after <paramref name="step"/> steps: β·min(1, step / warm-up).</summary>
    public double KlWeight(long step) => KlWarmupSteps == 0 ? Beta : Beta * Math.Min(1.0, (double)step / KlWarmupSteps);

    /// <summary>
    /// z = μ + exp(½·log σ²)·ε with ε ~ N(0, I) drawn from the CPU <paramref name="generator"/>: a sample of
    /// N(μ, diag σ²) through which gradients reach μ and log σ² (Kingma and Welling 2014, section 2.4).
    /// </summary>
    public static Tensor Reparameterize(Tensor mean, Tensor logVariance, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(logVariance);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        Tensor epsilon = randn(mean.shape, dtype: mean.dtype, device: CPU, generator: generator).to(mean.device);
        return scope.MoveToOuter(mean.add(logVariance.mul(0.5).exp().mul(epsilon)));
    }

    /// <summary>μ and log σ² of q(z | x), each [N, L], for pixels [N, C, H, W] in [0, 1].</summary>
    public (Tensor Mean, Tensor LogVariance) Posterior(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        Tensor features = encoder.Features(pixels);
        return scope.MoveToOuter(encoder.Code(features), log_variance.forward(features));
    }

    /// <summary>
    /// The two terms of the negative ELBO of each image, in nats, [N] each: the reconstruction term −log p(x | z) at one
    /// reparameterised sample z ~ q(z | x) (an unbiased estimate of −E_q[log p(x | z)]) and the analytic KL(q ‖ N(0, I)).
    /// </summary>
    public (Tensor Reconstruction, Tensor Kl) NegativeElboTerms(Tensor pixels, Generator generator)
    {
        using var scope = NewDisposeScope();
        (Tensor mean, Tensor logVariance) = Posterior(pixels);
        Tensor z = Reparameterize(mean, logVariance, generator);
        Tensor reconstruction = likelihood.NegativeLogLikelihood(decoder.forward(z), pixels);
        return scope.MoveToOuter(reconstruction, GaussianKlDivergence.FromStandardNormal(mean, logVariance));
    }

    /// <summary>The expected image E[x | z] of codes z [N, L], [N, C, H, W] in [0, 1]: prior samples, interpolations.</summary>
    public Tensor Decode(Tensor z)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(likelihood.Mean(decoder.forward(z)));
    }

    public Tensor Reconstruct(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(Decode(encoder.forward(pixels)));
    }

    public override PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step)
    {
        using var scope = NewDisposeScope();
        (Tensor reconstruction, Tensor kl) = NegativeElboTerms(pixels, generator);
        // [N] each → scalars: nats per image.
        Tensor meanReconstruction = reconstruction.mean();
        Tensor meanKl = kl.mean();
        Tensor loss = meanReconstruction.add(meanKl.mul(KlWeight(step)));
        (loss, Tensor loggedReconstruction, Tensor loggedKl) = scope.MoveToOuter(loss, meanReconstruction.detach(), meanKl.detach());
        return new PretextLoss(loss, new Dictionary<string, Tensor>
        {
            [ReconstructionTerm] = loggedReconstruction,
            [KlTerm] = loggedKl,
        });
    }
}
