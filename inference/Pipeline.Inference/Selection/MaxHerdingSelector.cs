using System.Buffers;
using System.Numerics.Tensors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// MaxHerding (Bae, Noh and Sutherland, "Generalized Coverage for More Robust Low-Budget Active Learning", ECCV 2024):
/// choose the images that best cover the pool, where an image is covered by its most similar labelled-or-picked image
/// through a Gaussian kernel. It generalises ProbCover (Yehuda et al., NeurIPS 2022), whose balls of one radius are the
/// kernel's top-hat special case, and is far less sensitive to the kernel's width than ProbCover is to its radius.
/// </summary>
/// <remarks>
/// <para>Coverage of a set S is the mean over the unlabelled images of max over s in S of k(x, s), with
/// k(x, s) = exp(−‖x − s‖² / (2σ²)) on the unit embeddings, σ the <see cref="Bandwidth"/>, and S holding the labelled
/// images from the start. Each pick is the image that raises it most — the first one the image nearest to most of the
/// pool, the next ones the centres of what is still far from every pick — so the picks are typical of dense regions and
/// spread over them, which is what few labels need. Coverage is submodular: the greedy choice is within 1 − 1/e of the
/// best set.</para>
/// <para>Coverage is measured over, and the picks made from, a seeded sample of the unlabelled images: all of them up to
/// <see cref="CoverageSample"/> plus the budget, and that many otherwise, so that a 60,000-image pool costs one kernel
/// matrix of the sample (100 MB at budget 0, 5,000 images a side) and a pass over it per pick. A random sample of
/// thousands holds an image close to any region's centre, which is all small budgets ask. Hence the cap,
/// <see cref="MaxBudget"/>: larger budgets are k-center's. Gains are each summed in one fixed order, so the choice does
/// not depend on the number of threads; ties go to the lower index.</para>
/// </remarks>
public sealed class MaxHerdingSelector : IImageSelector
{
    /// <summary>The kernel width σ on unit embeddings when none is given.</summary>
    public const double DefaultBandwidth = 0.5;

    /// <summary>Unlabelled images beyond the budget the coverage is measured over (all of them when the pool has fewer).</summary>
    public const int CoverageSample = 5_000;

    /// <summary>The largest budget: the kernel matrix grows with its square.</summary>
    public const int MaxBudget = 2_000;

    private readonly float _scale;

    /// <summary>A MaxHerding selector with a kernel of width <paramref name="bandwidth"/>.</summary>
    /// <param name="bandwidth">σ, in the units of distances between unit embeddings (0 to 2); above 0.</param>
    public MaxHerdingSelector(double bandwidth = DefaultBandwidth)
    {
        if (!(bandwidth > 0) || !double.IsFinite(bandwidth))
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "A kernel width is a finite number above 0.");
        }
        Bandwidth = bandwidth;
        _scale = (float)(-1 / (2 * bandwidth * bandwidth));
    }

    public SelectionStrategy Strategy => SelectionStrategy.MaxHerding;

    /// <summary>σ, the Gaussian kernel's width.</summary>
    public double Bandwidth { get; }

    /// <exception cref="ArgumentOutOfRangeException">Also: the budget is more than <see cref="MaxBudget"/>.</exception>
    public SelectionResult Select(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed,
        CancellationToken cancellationToken = default)
    {
        ImageSelection.Validate(pool, budget, labelled);
        if (budget > MaxBudget)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget,
                $"MaxHerding is a strategy for small budgets, at most {MaxBudget} images, not {budget}: choose more with k-center.");
        }
        int[] sample = Sample(pool, budget, labelled, seed);
        int count = sample.Length;
        float[] rows = SampleRows(pool, sample);
        float[] norms = [.. sample.Select(index => pool.SquaredNorms[index])];
        float[] kernel = KernelMatrix(pool, sample, rows, norms, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        // covered[x]: the kernel between sample image x and its most similar labelled-or-picked image (0: none yet).
        float[] covered = new float[count];
        float[] row = new float[count];
        foreach (int image in labelled.Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            SquaredDistances.ToRows(rows, norms, pool.Row(image), pool.SquaredNorms[image], row);
            ToKernel(row);
            TensorPrimitives.Max(covered, row, covered);
        }

        bool[] taken = new bool[count];
        float[] gains = new float[count];
        var picks = new List<SelectedImage>(budget);
        while (picks.Count < budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Every candidate's gain, Σ over the sample of max(0, k(x, c) − covered[x]), each in its own row: in parallel.
            ParallelRows.ForBlocks(count, 64, (start, end) =>
            {
                float[] rented = ArrayPool<float>.Shared.Rent(count);
                Span<float> scratch = rented.AsSpan(0, count);
                for (int c = start; c < end; c++)
                {
                    gains[c] = taken[c] ? float.NegativeInfinity : Gain(kernel.AsSpan(c * count, count), covered, scratch);
                }
                ArrayPool<float>.Shared.Return(rented);
            });
            int best = TensorPrimitives.IndexOfMax(gains);
            taken[best] = true;
            TensorPrimitives.Max(covered, kernel.AsSpan(best * count, count), covered);
            picks.Add(new SelectedImage(sample[best], CoverageGain: gains[best] / count));
        }
        return new SelectionResult(Strategy, picks);
    }

    // The unlabelled images coverage is measured over and picks are made from, in pool order: all of them when there are at
    // most CoverageSample + budget, else a seeded draw of that many.
    private static int[] Sample(EmbeddingPool pool, int budget, IReadOnlySet<int> labelled, int seed)
    {
        int[] unlabelled = Enumerable.Range(0, pool.Count).Where(index => !labelled.Contains(index)).ToArray();
        int size = CoverageSample + budget;
        if (unlabelled.Length <= size)
        {
            return unlabelled;
        }
        new Random(seed).Shuffle(unlabelled);
        int[] sample = unlabelled[..size];
        Array.Sort(sample);
        return sample;
    }

    // The sample's kernel matrix, [count, count] row-major (symmetric; each row computed on its own). A cancellation
    // leaves the rest undone (the caller throws): thrown inside the parallel loop it would come out as an AggregateException.
    private float[] KernelMatrix(EmbeddingPool pool, int[] sample, float[] rows, float[] norms, CancellationToken cancellationToken)
    {
        int count = sample.Length;
        float[] kernel = new float[(long)count * count];
        ParallelRows.ForBlocks(count, 64, (start, end) =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            for (int s = start; s < end; s++)
            {
                Span<float> row = kernel.AsSpan(s * count, count);
                SquaredDistances.ToRows(rows, norms, pool.Row(sample[s]), pool.SquaredNorms[sample[s]], row);
                ToKernel(row);
            }
        });
        return kernel;
    }

    // The sample's unit embeddings side by side, [count, D].
    private static float[] SampleRows(EmbeddingPool pool, int[] sample)
    {
        int dim = pool.Dim;
        float[] rows = new float[sample.Length * dim];
        for (int s = 0; s < sample.Length; s++)
        {
            pool.Row(sample[s]).CopyTo(rows.AsSpan(s * dim, dim));
        }
        return rows;
    }

    private void ToKernel(Span<float> squaredDistances)
    {
        TensorPrimitives.Multiply(squaredDistances, _scale, squaredDistances);
        TensorPrimitives.Exp(squaredDistances, squaredDistances);
    }

    // Σ max(0, kernel − covered), worked out in scratch.
    private static float Gain(ReadOnlySpan<float> kernel, ReadOnlySpan<float> covered, Span<float> scratch)
    {
        TensorPrimitives.Subtract(kernel, covered, scratch);
        TensorPrimitives.Max(scratch, 0f, scratch);
        return TensorPrimitives.Sum(scratch);
    }
}
