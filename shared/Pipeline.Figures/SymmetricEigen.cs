namespace Pipeline.Figures;

/// <summary>
/// The eigenvalues and eigenvectors of a small real symmetric matrix, by cyclic Jacobi rotations (Golub and Van Loan,
/// Matrix Computations, 4th ed., §8.5.2): each rotation in a (p, q) plane zeroes entry (p, q), and sweeps over every pair
/// until the off-diagonal part is negligible. Accurate and deterministic, but O(n³) a sweep: for the few-by-few matrices of
/// <see cref="PrincipalComponents"/>' Rayleigh–Ritz step, not for a whole covariance.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Sweeps at most; a handful suffice, convergence being quadratic.</summary>
    public const int MaxSweeps = 100;

    /// <summary>
    /// The eigenvalues of <paramref name="matrix"/> ([n, n] row-major, symmetric), largest first, and a unit eigenvector for
    /// each, in the same order.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix does not hold n × n values.</exception>
    public static (double[] Values, double[][] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (matrix.Length != n * n)
        {
            throw new ArgumentException($"{matrix.Length} values are not a {n} × {n} matrix.", nameof(matrix));
        }
        double[] a = matrix.ToArray();
        var v = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < MaxSweeps && !Diagonal(a, n); sweep++)
        {
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    Rotate(a, v, n, p, q);
                }
            }
        }
        int[] order = Enumerable.Range(0, n).OrderByDescending(i => a[i * n + i]).ThenBy(i => i).ToArray();
        double[] values = order.Select(i => a[i * n + i]).ToArray();
        double[][] vectors = order.Select(i => Enumerable.Range(0, n).Select(r => v[r * n + i]).ToArray()).ToArray();
        return (values, vectors);
    }

    // Negligible: the off-diagonal entries' squares sum to at most 1e-28 of all squares (entries ~1e-14 of the matrix).
    private static bool Diagonal(double[] a, int n)
    {
        double offDiagonal = 0, diagonal = 0;
        for (int p = 0; p < n; p++)
        {
            diagonal += a[p * n + p] * a[p * n + p];
            for (int q = p + 1; q < n; q++)
            {
                offDiagonal += 2 * a[p * n + q] * a[p * n + q];
            }
        }
        return offDiagonal <= 1e-28 * (diagonal + offDiagonal);
    }

    // A ← JᵀAJ and V ← VJ, J the identity but J[p,p] = J[q,q] = c, J[p,q] = s, J[q,p] = −s. Then
    // A'[p,q] = A[p,q](c² − s²) + cs(A[p,p] − A[q,q]), which is 0 when t = s/c solves t² + 2θt − 1 = 0 for
    // θ = (A[q,q] − A[p,p]) / 2A[p,q]; the smaller root keeps the rotation within 45°, which makes the sweeps converge.
    private static void Rotate(double[] a, double[] v, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0)
        {
            return;
        }
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        double c = 1 / Math.Sqrt(t * t + 1);
        double s = t * c;
        for (int r = 0; r < n; r++)
        {
            double arp = a[r * n + p], arq = a[r * n + q];
            a[r * n + p] = c * arp - s * arq;
            a[r * n + q] = s * arp + c * arq;
        }
        for (int r = 0; r < n; r++)
        {
            double apr = a[p * n + r], aqr = a[q * n + r];
            a[p * n + r] = c * apr - s * aqr;
            a[q * n + r] = s * apr + c * aqr;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (int r = 0; r < n; r++)
        {
            double vrp = v[r * n + p], vrq = v[r * n + q];
            v[r * n + p] = c * vrp - s * vrq;
            v[r * n + q] = s * vrp + c * vrq;
        }
    }
}
