using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// The per-sample 3x3 colour matrices behind SimCLR's colour distortion (Chen et al. 2020, "A Simple Framework for
/// Contrastive Learning of Visual Representations", Appendix A): luma (ITU-R 601-2, as torchvision's grayscale) and a
/// hue rotation in the IQ chroma plane of YIQ (the FCC NTSC coefficients), which keeps luma and greys unchanged.
/// </summary>
internal static class ColorMatrices
{
    // ITU-R 601-2 luma weights for R, G, B; they sum to 1, so grayscale keeps [0, 1].
    private static readonly double[] Luma = [0.299, 0.587, 0.114];

    // RGB -> YIQ (FCC NTSC). The I and Q rows sum to 0, so a grey pixel has no chroma and a hue rotation keeps it.
    private static readonly double[,] RgbToYiq =
    {
        { 0.299, 0.587, 0.114 },
        { 0.595716, -0.274453, -0.321263 },
        { 0.211456, -0.522591, 0.311135 },
    };

    // Rotating the IQ plane by theta, conjugated into RGB: M(theta) = A + cos(theta) B + sin(theta) C, where
    // A = T^-1 e0 e0^T T keeps luma, B = T^-1 (e1 e1^T + e2 e2^T) T and C = T^-1 (e2 e1^T - e1 e2^T) T.
    private static readonly double[] HueA = Conjugate(new double[,] { { 1, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } });
    private static readonly double[] HueB = Conjugate(new double[,] { { 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
    private static readonly double[] HueC = Conjugate(new double[,] { { 0, 0, 0 }, { 0, 0, -1 }, { 0, 1, 0 } });

    /// <summary>Identity matrices, float64 [n, c, c] on the CPU.</summary>
    public static Tensor Identity(long n, int channels) =>
        eye(channels, dtype: ScalarType.Float64).unsqueeze(0).expand(n, channels, channels);

    /// <summary>
    /// The matrix that replaces every channel by the luma (grayscale kept as <paramref name="channels"/> equal
    /// channels): float64 [c, c] on the CPU, every row equal to the luma weights (for one channel, [[1]]).
    /// </summary>
    public static Tensor ToGray(int channels) =>
        channels == 1
            ? ones(1, 1, dtype: ScalarType.Float64)
            : tensor(Luma, dtype: ScalarType.Float64).unsqueeze(0).expand(3, 3);

    /// <summary>
    /// Hue rotations by <paramref name="turns"/> of a full turn (float64 [n] on the CPU): float64 [n, 3, 3].
    /// </summary>
    public static Tensor HueRotation(Tensor turns)
    {
        using var scope = NewDisposeScope();
        var theta = turns * (2 * Math.PI);                                                  // [n]
        var cos = theta.cos().view(-1, 1, 1);                                               // [n, 1, 1]
        var sin = theta.sin().view(-1, 1, 1);                                               // [n, 1, 1]
        var a = tensor(HueA, dtype: ScalarType.Float64).view(1, 3, 3);
        var b = tensor(HueB, dtype: ScalarType.Float64).view(1, 3, 3);
        var c = tensor(HueC, dtype: ScalarType.Float64).view(1, 3, 3);
        return scope.MoveToOuter(a + (cos * b) + (sin * c));                                // [n, 3, 3]
    }

    // T^-1 m T, row-major, in double precision.
    private static double[] Conjugate(double[,] m)
    {
        var inverse = Invert(RgbToYiq);
        var product = Multiply(Multiply(inverse, m), RgbToYiq);
        var flat = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                flat[(i * 3) + j] = product[i, j];
            }
        }

        return flat;
    }

    private static double[,] Multiply(double[,] x, double[,] y)
    {
        var result = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                for (var k = 0; k < 3; k++)
                {
                    result[i, j] += x[i, k] * y[k, j];
                }
            }
        }

        return result;
    }

    // Inverse by cofactors: adj(m)^T / det(m).
    private static double[,] Invert(double[,] m)
    {
        var result = new double[3, 3];
        var det = 0.0;
        for (var j = 0; j < 3; j++)
        {
            det += m[0, j] * Cofactor(m, 0, j);
        }

        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                result[j, i] = Cofactor(m, i, j) / det;
            }
        }

        return result;
    }

    private static double Cofactor(double[,] m, int row, int column)
    {
        int r0 = row == 0 ? 1 : 0, r1 = row == 2 ? 1 : 2;
        int c0 = column == 0 ? 1 : 0, c1 = column == 2 ? 1 : 2;
        var minor = (m[r0, c0] * m[r1, c1]) - (m[r0, c1] * m[r1, c0]);
        return (row + column) % 2 == 0 ? minor : -minor;
    }
}
