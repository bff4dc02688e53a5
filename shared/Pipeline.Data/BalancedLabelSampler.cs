namespace Pipeline.Data;

/// <summary>Chooses a seeded, class-balanced subset of a labelled set: the images a fine-tune may see the labels of.</summary>
/// <remarks>
/// Each class's images are shuffled by one <see cref="Random"/> seeded with the seed, class by class, and each class
/// contributes a prefix of its shuffle. The shuffles do not depend on the total, so with one seed a smaller subset is
/// contained in a larger one (the 1% labels are among the 10%).
/// </remarks>
public static class BalancedLabelSampler
{
    /// <summary>
    /// How many images each class contributes to <paramref name="total"/>: as even as possible, the remainder going
    /// to the lowest class indices, no class giving more than it has and the shortfall going to the others.
    /// </summary>
    /// <param name="available">Images per class.</param>
    /// <param name="total">Images wanted, at most the sum of <paramref name="available"/>.</param>
    public static int[] Quotas(IReadOnlyList<int> available, int total)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        long sum = 0;
        foreach (int count in available)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(available));
            sum += count;
        }
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, sum);

        // Water-filling: raise every open class by the same step until the remainder is smaller than the number of
        // open classes; each pass fills at least one class or ends, so this loops at most classes + 1 times.
        int[] quotas = new int[available.Count];
        int remaining = total;
        while (remaining > 0)
        {
            int[] open = Enumerable.Range(0, quotas.Length).Where(c => quotas[c] < available[c]).ToArray();
            int step = Math.Min(remaining / open.Length, open.Min(c => available[c] - quotas[c]));
            if (step == 0)
            {
                foreach (int c in open.Take(remaining))
                {
                    quotas[c]++;
                }
                break;
            }
            foreach (int c in open)
            {
                quotas[c] += step;
            }
            remaining -= step * open.Length;
        }
        return quotas;
    }

    /// <summary>The indices of <paramref name="total"/> images split across classes by <see cref="Quotas"/>, ascending.</summary>
    /// <param name="labels">Label per image, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="total">Images wanted, at most <c>labels.Count</c>.</param>
    /// <param name="seed">Same seed, same indices.</param>
    public static int[] Sample(IReadOnlyList<int> labels, int classCount, int total, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        var byClass = new List<int>[classCount];
        for (int c = 0; c < classCount; c++)
        {
            byClass[c] = [];
        }
        for (int i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException(
                    $"Label {labels[i]} at index {i} is outside the {classCount} classes (0-{classCount - 1}).", nameof(labels));
            }
            byClass[labels[i]].Add(i);
        }

        int[] quotas = Quotas(byClass.Select(members => members.Count).ToArray(), total);
        var random = new Random(seed);
        var chosen = new List<int>(total);
        for (int c = 0; c < classCount; c++)
        {
            int[] members = byClass[c].ToArray();
            random.Shuffle(members);
            chosen.AddRange(members.AsSpan(0, quotas[c]));
        }
        chosen.Sort();
        return chosen.ToArray();
    }
}
