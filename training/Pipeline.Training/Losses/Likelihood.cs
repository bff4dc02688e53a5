namespace Pipeline.Training.Losses;

/// <summary>The observation model p(x | z) of the autoencoders, as <c>--likelihood</c> names it.</summary>
public enum Likelihood
{
    /// <summary>Independent Bernoulli pixels: binary cross-entropy with logits (<see cref="BernoulliLikelihood"/>).</summary>
    Bernoulli,

    /// <summary>Independent Gaussian pixels with one variance, learned as its maximum-likelihood value (<see cref="GaussianLikelihood"/>).</summary>
    Gaussian,
}
