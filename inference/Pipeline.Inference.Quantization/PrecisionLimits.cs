using System.Globalization;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// How closely a precision variant must follow its float32 source (<see cref="PrecisionProof"/>) to be written.
/// </summary>
/// <param name="MinMeanCosine">The lowest mean cosine similarity accepted.</param>
/// <param name="MinCosine">The lowest cosine accepted for any one image.</param>
/// <param name="MinNeighbourAgreement">The lowest share of the k nearest neighbours the variant must find again.</param>
public sealed record PrecisionLimits(double MinMeanCosine, double MinCosine, double MinNeighbourAgreement)
{
    /// <summary>The limits for int8 variants. Measured on the shipped reference encoder: see the README.</summary>
    public static readonly PrecisionLimits Int8 = new(0.99, 0.95, 0.80);

    /// <summary>The limits for float16 variants, whose rounding is 2^-11 relative.</summary>
    public static readonly PrecisionLimits Fp16 = new(0.9999, 0.999, 0.95);

    /// <summary>The default limits of <paramref name="precision"/>.</summary>
    public static PrecisionLimits For(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Int8 => Int8,
        ModelPrecision.Fp16 => Fp16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not a precision variant."),
    };

    /// <summary>What in <paramref name="proof"/> falls below these limits, one clause each; empty when nothing does.</summary>
    public IReadOnlyList<string> Shortfalls(PrecisionProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        var shortfalls = new List<string>();
        if (!(proof.MeanCosine >= MinMeanCosine))
        {
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"mean cosine {proof.MeanCosine:F5} < {MinMeanCosine}"));
        }
        if (!(proof.MinCosine >= MinCosine))
        {
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"smallest cosine {proof.MinCosine:F5} < {MinCosine}"));
        }
        if (!(proof.NeighbourAgreement >= MinNeighbourAgreement))
        {
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture,
                $"top-{proof.Neighbours} neighbour agreement {proof.NeighbourAgreement:F3} < {MinNeighbourAgreement}"));
        }
        return shortfalls;
    }
}
