namespace Pipeline.Inference.FineTuning;

/// <summary>
/// The order in which an epoch visits the training examples: a seeded shuffle, or, for an imbalanced set, draws that
/// give every class the same share of each epoch (minority classes repeat, majority classes are sub-sampled).
/// </summary>
/// <remarks>
/// An epoch's order depends only on (seed, epoch), never on earlier epochs, so a resumed run visits exactly what an
/// uninterrupted one would. Balanced epochs go round by round: each round takes one example from every class, classes
/// in a fresh random order, each class walking through its own shuffle of its examples and reshuffling at its end.
/// </remarks>
public sealed class ClassBalancedSampler
{
    /// <summary>The imbalance (largest class over smallest) above which <see cref="ClassBalance.Auto"/> balances.</summary>
    public const double AutoImbalanceRatio = 1.5;

    private readonly int[][] _byClass;
    private readonly int _count;
    private readonly int _seed;

    /// <param name="labels">Label per example, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="balance">Whether to balance classes.</param>
    /// <param name="seed">Same seed and epoch, same order.</param>
    public ClassBalancedSampler(IReadOnlyList<int> labels, int classCount, ClassBalance balance, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (labels.Count == 0)
        {
            throw new ArgumentException("There are no examples to sample.", nameof(labels));
        }
        var byClass = Enumerable.Range(0, classCount).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Label {labels[i]} of example {i} is outside the {classCount} classes.", nameof(labels));
            }
            byClass[labels[i]].Add(i);
        }
        _byClass = byClass.Where(members => members.Count > 0).Select(members => members.ToArray()).ToArray();
        _count = labels.Count;
        _seed = seed;
        int largest = _byClass.Max(members => members.Length), smallest = _byClass.Min(members => members.Length);
        Balanced = balance == ClassBalance.On || (balance == ClassBalance.Auto && largest > AutoImbalanceRatio * smallest);
    }

    /// <summary>Whether epochs are class-balanced (decided at construction for <see cref="ClassBalance.Auto"/>).</summary>
    public bool Balanced { get; }

    /// <summary>The example indices epoch <paramref name="epoch"/> visits, as many as there are examples.</summary>
    public int[] EpochOrder(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        // Not HashCode.Combine: its seed changes from process to process.
        var random = new Random(unchecked(_seed * 100_003 + epoch));
        if (!Balanced)
        {
            int[] order = Enumerable.Range(0, _count).ToArray();
            random.Shuffle(order);
            return order;
        }
        int[][] cycles = _byClass.Select(members => members.ToArray()).ToArray();
        int[] positions = new int[cycles.Length];
        foreach (int[] cycle in cycles)
        {
            random.Shuffle(cycle);
        }
        int[] classOrder = Enumerable.Range(0, cycles.Length).ToArray();
        var balanced = new int[_count];
        for (int filled = 0; filled < _count;)
        {
            random.Shuffle(classOrder);
            foreach (int c in classOrder)
            {
                if (filled == _count)
                {
                    break;
                }
                if (positions[c] == cycles[c].Length)
                {
                    random.Shuffle(cycles[c]);
                    positions[c] = 0;
                }
                balanced[filled++] = cycles[c][positions[c]++];
            }
        }
        return balanced;
    }
}
