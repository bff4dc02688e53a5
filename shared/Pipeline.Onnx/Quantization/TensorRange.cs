namespace Pipeline.Onnx.Quantization;

/// <summary>The calibrated range [<paramref name="Min"/>, <paramref name="Max"/>] of one activation tensor's values.</summary>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>The smallest range holding both this one and <paramref name="other"/>.</summary>
    public TensorRange Union(TensorRange other) => new(Math.Min(Min, other.Min), Math.Max(Max, other.Max));
}
