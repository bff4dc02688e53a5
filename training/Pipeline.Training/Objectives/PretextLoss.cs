using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The loss of one batch: the scalar the optimizer minimises, and the named parts of it worth logging beside it
/// (a VAE's reconstruction and KL terms, the rotation pretext's accuracy).
/// </summary>
/// <param name="Value">A scalar with a gradient.</param>
/// <param name="Terms">Detached scalars by name, in the order they are logged; empty when the loss is all there is.</param>
public sealed record PretextLoss(Tensor Value, IReadOnlyDictionary<string, Tensor> Terms)
{
    private static readonly IReadOnlyDictionary<string, Tensor> None = new Dictionary<string, Tensor>();

    /// <summary>A loss with nothing to log but itself.</summary>
    public static PretextLoss Of(Tensor value) => new(value, None);
}
