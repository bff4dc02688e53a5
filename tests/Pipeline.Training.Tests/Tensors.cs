using static TorchSharp.torch;

namespace Pipeline.Training.Tests;

/// <summary>Comparisons of tensors for assertions.</summary>
internal static class Tensors
{
    /// <summary>Same shape and every element equal.</summary>
    public static bool BitIdentical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
