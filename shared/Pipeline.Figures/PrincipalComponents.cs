using System.Numerics.Tensors;

namespace Pipeline.Figures;

/// <summary>
/// Principal component analysis of a set of vectors: the directions along which they vary most, and the share of the
/// total variance each explains; what places the points of an embedding map.
/// </summary>
/// <remarks>
/// The D × D covariance is summed over blocks of rows with SIMD dot products (float within a block of
/// <see cref="BlockRows"/> centred rows, double across blocks), every entry by one thread in row order, so the result does
/// not depend on the number of threads. Its leading eigenvectors come from subspace iteration (Golub and Van Loan, Matrix
/// Computations, 4th ed., §8.2.4) on <see cref="ExtraVectors"/> more vectors than asked for, from a fixed pseudo-random
/// start, each step closed by a Rayleigh–Ritz projection whose small eigenproblem <see cref="SymmetricEigen"/> solves; it stops
/// once every asked-for pair has a residual ‖C·u − λ·u‖ under <see cref="Tolerance"/> × λ₁, once their eigenvalues stop
/// moving (<see cref="Stagnation"/>: an axis inside a cluster of nearly equal eigenvalues is as good as any other of the
/// cluster), or after <see cref="MaxIterations"/>. Each axis is signed so that its largest component is positive. Cost:
/// N·D²/2 multiply-adds for the covariance, then D²·(k + 8) per iteration, a few hundred at most; on a busy two-core machine
/// 60,000 embeddings of 128 take about a second, of 1,024 about eight.
/// </remarks>
public sealed class PrincipalComponents
{
    /// <summary>Rows summed in float before their sum joins the double covariance.</summary>
    public const int BlockRows = 256;

    /// <summary>Vectors iterated beyond those asked for: convergence goes as λ(k + 8 + 1) / λ(k) rather than λ(k + 1) / λ(k).</summary>
    public const int ExtraVectors = 8;

    /// <summary>Subspace iterations at most.</summary>
    public const int MaxIterations = 500;

    /// <summary>
    /// A pair (λ, u) is taken once ‖C·u − λ·u‖ ≤ this × the largest eigenvalue: about what float data can tell apart.
    /// </summary>
    public const double Tolerance = 1e-8;

    /// <summary>
    /// The iteration also stops once no asked-for eigenvalue moved by more than this × the largest in one step: eigenvalues
    /// within a cluster of nearly equal ones converge slowly, and any axis of the cluster shows the data as well.
    /// </summary>
    public const double Stagnation = 1e-9;

    // The start of the iteration: fixed, so that the same data give the same axes.
    private const int StartSeed = 0x5CA1AB1E;

    private readonly double[] _mean;
    private readonly double[][] _axes;

    private PrincipalComponents(double[] mean, double[][] axes, double[] variances, double totalVariance)
    {
        _mean = mean;
        _axes = axes;
        Variances = variances;
        TotalVariance = totalVariance;
        ExplainedVarianceRatios = variances.Select(variance => totalVariance > 0 ? variance / totalVariance : 0).ToArray();
    }

    /// <summary>D, the width of the vectors.</summary>
    public int Dim => _mean.Length;

    /// <summary>k, the number of principal axes found.</summary>
    public int Components => _axes.Length;

    /// <summary>The mean vector the axes are centred on.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>The variance along each axis (its eigenvalue of the covariance, divided by N), largest first.</summary>
    public IReadOnlyList<double> Variances { get; }

    /// <summary>The fraction of <see cref="TotalVariance"/> each axis explains; 0 when the vectors do not vary.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatios { get; }

    /// <summary>The sum of the variances along every direction: the trace of the covariance.</summary>
    public double TotalVariance { get; }

    /// <summary>Principal axis <paramref name="component"/> (0 is the first), a unit vector of <see cref="Dim"/> values.</summary>
    public ReadOnlySpan<double> Axis(int component) => _axes[component];

    /// <summary>Finds the first <paramref name="components"/> principal axes of <paramref name="data"/>.</summary>
    /// <param name="data">N vectors of <paramref name="dim"/> values, [N, D] row-major.</param>
    /// <param name="dim">D, the width of each vector.</param>
    /// <param name="components">k, from 1 to min(N, D).</param>
    /// <param name="cancellationToken">Checked between blocks of rows and between iterations.</param>
    /// <exception cref="ArgumentException">The data are not rows of <paramref name="dim"/>, hold a NaN or an infinity, or
    /// <paramref name="components"/> is out of range.</exception>
    public static PrincipalComponents Fit(ReadOnlySpan<float> data, int dim, int components, CancellationToken cancellationToken = default)
    {
        int count = Rows(data, dim);
        if (components < 1 || components > Math.Min(count, dim))
        {
            throw new ArgumentException($"PCA takes 1 to min(N, D) components: {components} asked of {count} vectors of {dim}.", nameof(components));
        }
        if (!TensorPrimitives.IsFiniteAll(data))
        {
            throw new ArgumentException("The vectors hold a NaN or an infinite value.", nameof(data));
        }
        double[] mean = MeanOf(data, dim);
        double[] covariance = Covariance(data, dim, mean, cancellationToken);
        double total = 0;
        for (int a = 0; a < dim; a++)
        {
            total += covariance[a * dim + a];
        }
        if (!(total > 0))
        {
            // Every vector is the same: no direction is better than another, and none explains anything.
            double[][] unit = Enumerable.Range(0, components).Select(component =>
            {
                var axis = new double[dim];
                axis[component] = 1;
                return axis;
            }).ToArray();
            return new PrincipalComponents(mean, unit, new double[components], 0);
        }
        (double[][] axes, double[] variances) = LeadingEigenvectors(covariance, dim, components, cancellationToken);
        foreach (double[] axis in axes)
        {
            if (axis[TensorPrimitives.IndexOfMaxMagnitude<double>(axis)] < 0)
            {
                TensorPrimitives.Negate<double>(axis, axis);
            }
        }
        return new PrincipalComponents(mean, axes, variances, total);
    }

    /// <summary>
    /// The coordinates of <paramref name="data"/> ([N, D] row-major, any N) on the axes: one array of N values per
    /// component, the first axis first, so that <c>[0]</c> and <c>[1]</c> are a map's x and y.
    /// </summary>
    public double[][] Project(ReadOnlySpan<float> data)
    {
        int count = Rows(data, Dim);
        double[][] coordinates = _axes.Select(_ => new double[count]).ToArray();
        var centred = new double[Dim];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = data.Slice(i * Dim, Dim);
            for (int a = 0; a < Dim; a++)
            {
                centred[a] = row[a] - _mean[a];
            }
            for (int component = 0; component < _axes.Length; component++)
            {
                coordinates[component][i] = TensorPrimitives.Dot<double>(centred, _axes[component]);
            }
        }
        return coordinates;
    }

    private static int Rows(ReadOnlySpan<float> data, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (data.Length % dim != 0)
        {
            throw new ArgumentException($"{data.Length} values are not vectors of {dim}.", nameof(data));
        }
        return data.Length / dim;
    }

    private static double[] MeanOf(ReadOnlySpan<float> data, int dim)
    {
        int count = data.Length / dim;
        var mean = new double[dim];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = data.Slice(i * dim, dim);
            for (int a = 0; a < dim; a++)
            {
                mean[a] += row[a];
            }
        }
        TensorPrimitives.Divide<double>(mean, count, mean);
        return mean;
    }

    // C = (1/N) Σ (x − μ)(x − μ)ᵀ, [D, D] row-major. Each block of centred rows is transposed, [D, rows], so that entry
    // (a, b) of the block's sum is one contiguous dot product, and the block stays in cache while all of them are taken.
    private static double[] Covariance(ReadOnlySpan<float> data, int dim, double[] mean, CancellationToken cancellationToken)
    {
        int count = data.Length / dim;
        var covariance = new double[dim * dim];
        var block = new float[dim * Math.Min(BlockRows, count)];
        for (int start = 0; start < count; start += BlockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(BlockRows, count - start);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = data.Slice((start + r) * dim, dim);
                for (int a = 0; a < dim; a++)
                {
                    block[a * rows + r] = (float)(row[a] - mean[a]);
                }
            }
            // Row a of the upper triangle belongs to one thread, which adds the blocks in order.
            Parallel.For(0, dim, a =>
            {
                ReadOnlySpan<float> feature = block.AsSpan(a * rows, rows);
                for (int b = a; b < dim; b++)
                {
                    covariance[a * dim + b] += TensorPrimitives.Dot(feature, block.AsSpan(b * rows, rows));
                }
            });
        }
        for (int a = 0; a < dim; a++)
        {
            for (int b = a; b < dim; b++)
            {
                double value = covariance[a * dim + b] / count;
                covariance[a * dim + b] = value;
                covariance[b * dim + a] = value;
            }
        }
        return covariance;
    }

    // Subspace iteration: a basis Q of w vectors goes to orth(C·Q) until the Ritz pairs of span(Q) — the eigenpairs (θ, s)
    // of the small matrix QᵀCQ, as (θ, Q·s) — satisfy C·u ≈ θ·u for the k largest θ.
    private static (double[][] Axes, double[] Variances) LeadingEigenvectors(double[] covariance, int dim, int components,
        CancellationToken cancellationToken)
    {
        int width = Math.Min(dim, components + ExtraVectors);
        var random = new Random(StartSeed);
        double[][] basis = Enumerable.Range(0, width).Select(_ => RandomVector(dim, random)).ToArray();
        Orthonormalise(basis, random);
        double[][] image = Enumerable.Range(0, width).Select(_ => new double[dim]).ToArray();
        var axes = new double[components][];
        var products = new double[components][];
        var residual = new double[dim];
        double[] previous = new double[components];
        for (int iteration = 1; ; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int j = 0; j < width; j++)
            {
                for (int a = 0; a < dim; a++)
                {
                    image[j][a] = TensorPrimitives.Dot<double>(covariance.AsSpan(a * dim, dim), basis[j]);
                }
            }
            // QᵀCQ, symmetrised against rounding.
            var projected = new double[width * width];
            for (int i = 0; i < width; i++)
            {
                for (int j = i; j < width; j++)
                {
                    double value = (TensorPrimitives.Dot<double>(basis[i], image[j]) + TensorPrimitives.Dot<double>(basis[j], image[i])) / 2;
                    projected[i * width + j] = value;
                    projected[j * width + i] = value;
                }
            }
            (double[] values, double[][] vectors) = SymmetricEigen.Decompose(projected, width);
            bool converged = true, settled = iteration > 1;
            for (int k = 0; k < components; k++)
            {
                settled &= Math.Abs(values[k] - previous[k]) <= Stagnation * Math.Abs(values[0]);
                previous[k] = values[k];
                // u = Q·s and C·u = (C·Q)·s, so the residual needs no further product with C.
                axes[k] = Combine(basis, vectors[k], dim);
                products[k] = Combine(image, vectors[k], dim);
                TensorPrimitives.Multiply<double>(axes[k], values[k], residual);
                TensorPrimitives.Subtract<double>(products[k], residual, residual);
                converged &= TensorPrimitives.Norm<double>(residual) <= Tolerance * Math.Abs(values[0]);
            }
            if (converged || settled || iteration == MaxIterations)
            {
                return (axes, values.Take(components).Select(value => Math.Max(0, value)).ToArray());
            }
            (basis, image) = (image, basis);
            Orthonormalise(basis, random);
        }
    }

    // Σ_i vectors[i] · weights[i].
    private static double[] Combine(double[][] vectors, double[] weights, int dim)
    {
        var sum = new double[dim];
        for (int i = 0; i < vectors.Length; i++)
        {
            TensorPrimitives.MultiplyAdd<double>(vectors[i], weights[i], sum, sum);
        }
        return sum;
    }

    private static double[] RandomVector(int dim, Random random)
    {
        var vector = new double[dim];
        for (int a = 0; a < dim; a++)
        {
            vector[a] = 2 * random.NextDouble() - 1;
        }
        return vector;
    }

    // Modified Gram–Schmidt, each vector projected twice ("twice is enough": Giraud, Langou and Rozložník, 2005). A vector
    // that lies in the span of the ones before it — C has lower rank than the basis is wide — is replaced by a random one:
    // any direction of the null space serves.
    private static void Orthonormalise(double[][] vectors, Random random)
    {
        for (int j = 0; j < vectors.Length; j++)
        {
            double[] vector = vectors[j];
            for (int attempt = 0; ; attempt++)
            {
                double before = TensorPrimitives.Norm<double>(vector);
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int i = 0; i < j; i++)
                    {
                        double along = TensorPrimitives.Dot<double>(vectors[i], vector);
                        TensorPrimitives.MultiplyAdd<double>(vectors[i], -along, vector, vector);
                    }
                }
                double after = TensorPrimitives.Norm<double>(vector);
                if (after > 1e-10 * before && after > 0)
                {
                    TensorPrimitives.Divide<double>(vector, after, vector);
                    break;
                }
                if (attempt == 10)
                {
                    throw new InvalidOperationException($"Cannot extend {j} orthonormal vectors of {vector.Length} values.");
                }
                double[] fresh = RandomVector(vector.Length, random);
                fresh.CopyTo(vector, 0);
            }
        }
    }
}
