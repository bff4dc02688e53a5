namespace Pipeline.Training.Evaluation;

/// <summary>
/// A VAE's evidence lower bound on test images, as <c>evaluate --protocol elbo</c> prints it and <c>eval/elbo-*.json</c>
/// stores it. Every figure is in nats per image: summed over the pixels (and latent dimensions) of an image, averaged
/// over the images; <see cref="Reconstruction"/> + <see cref="Kl"/> = −<see cref="Elbo"/>.
/// </summary>
/// <param name="Protocol">Always <c>elbo</c>.</param>
/// <param name="Elbo">E_q[log p(x | z)] − KL(q(z | x) ‖ N(0, I)), a lower bound on log p(x); negative.</param>
/// <param name="Reconstruction">−E_q[log p(x | z)], estimated with <see cref="Samples"/> reparameterised samples of z per image.</param>
/// <param name="Kl">KL(q(z | x) ‖ N(0, I)), exact (closed form).</param>
/// <param name="Samples">Samples of z per image behind <see cref="Reconstruction"/>.</param>
/// <param name="Likelihood">The run's observation model: bernoulli or gaussian (whose nats are a density's, not comparable with bernoulli's).</param>
/// <param name="TestImages">Images scored.</param>
/// <param name="TestData">Dataset URI of the test images.</param>
/// <param name="Checkpoint">The checkpoint evaluated.</param>
/// <param name="Step">Its training step.</param>
/// <param name="Method">The pretraining method (vae).</param>
/// <param name="Encoder">The encoder architecture.</param>
/// <param name="Seed">Seeds the samples of z.</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
public sealed record ElboResult(
    string Protocol,
    double Elbo,
    double Reconstruction,
    double Kl,
    int Samples,
    string Likelihood,
    int TestImages,
    string TestData,
    string Checkpoint,
    long Step,
    string Method,
    string Encoder,
    int Seed,
    double Seconds)
{
    /// <summary>The file name under <c>eval/</c> for an ELBO with this many samples.</summary>
    public static string FileName(int samples) => $"elbo-{samples}sample{(samples == 1 ? "" : "s")}.json";
}
