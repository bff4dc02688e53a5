using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Losses;

/// <summary>
/// The normalised temperature-scaled cross-entropy loss (NT-Xent) of SimCLR (Chen et al. 2020, equation 1).
/// </summary>
/// <remarks>
/// For a batch of n images seen through two views, z1 and z2 each [n, d], every one of the 2n projections has one
/// positive (the other view of its image) and 2n − 2 negatives (every view of every other image). With cosine
/// similarities s, the loss of view i with positive j is −log(exp(s_ij/τ) / Σ_{k≠i} exp(s_ik/τ)), averaged over all
/// 2n views. Any n ≥ 1 works, so the last, partial batch of an epoch needs no special case (with n = 1 there are no
/// negatives and the loss is exactly 0).
/// </remarks>
/// <example>
/// <code>
/// var loss = new NtXentLoss(temperature: 0.5);
/// using Tensor value = loss.Compute(head.forward(encoder.forward(view1)), head.forward(encoder.forward(view2)));
/// </code>
/// </example>
public sealed class NtXentLoss
{
    /// <summary>The smallest temperature accepted: below it the logits overflow float32.</summary>
    public const double MinTemperature = 1e-3;

    /// <param name="temperature">τ; 0.5 is the paper's best for CIFAR-10 (its Table 5 and Appendix B.9).</param>
    /// <exception cref="ArgumentOutOfRangeException">τ is below <see cref="MinTemperature"/> or not finite.</exception>
    public NtXentLoss(double temperature = 0.5)
    {
        if (!(temperature >= MinTemperature) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"NT-Xent temperature must be at least {MinTemperature} and finite, not {temperature}.");
        }
        Temperature = temperature;
    }

    /// <summary>τ, the softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>The mean loss over the 2n views, a scalar with a gradient.</summary>
    /// <param name="z1">Projections of the first views, [n, d].</param>
    /// <param name="z2">Projections of the second views, [n, d], row i the same image as row i of z1.</param>
    /// <exception cref="ArgumentException">The shapes differ or are not [n, d] with n ≥ 1.</exception>
    public Tensor Compute(Tensor z1, Tensor z2)
    {
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape) || z1.shape[0] < 1)
        {
            throw new ArgumentException(
                $"NT-Xent needs two [n, d] projections of the same shape with n ≥ 1, got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}].");
        }

        using var scope = NewDisposeScope();
        long n = z1.shape[0];
        // z has shape [2n, d], unit rows: row i and row i + n are the two views of image i.
        Tensor z = nn.functional.normalize(cat([z1, z2], 0), p: 2, dim: 1);
        // logits has shape [2n, 2n]: cosine similarities over τ.
        Tensor logits = z.matmul(z.t()).div_(Temperature);
        // A view is not its own negative: its similarity with itself leaves the softmax.
        Tensor self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, float.NegativeInfinity);
        // targets has shape [2n]: view i's positive is view (i + n) mod 2n.
        Tensor targets = arange(2 * n, dtype: ScalarType.Int64, device: z.device).add_(n).remainder_(2 * n);
        return scope.MoveToOuter(nn.functional.cross_entropy(logits, targets));
    }
}
