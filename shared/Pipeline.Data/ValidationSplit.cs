namespace Pipeline.Data;

/// <summary>
/// Sets a seeded, stratified part of the labelled examples aside for validation (a fine-tune's early stopping and best
/// epoch, an evaluation's choice of k or C): each class gives the same fraction of its examples, at least one when it
/// has two or more.
/// </summary>
public static class ValidationSplit
{
    /// <summary>Splits example indices into training and validation, both ascending.</summary>
    /// <param name="labels">Label per example, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="fraction">The share for validation, in [0, 1); 0 keeps every example for training.</param>
    /// <param name="seed">Same seed, same split.</param>
    public static (int[] Training, int[] Validation) Stratified(IReadOnlyList<int> labels, int classCount, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"The validation share must be in [0, 1), not {fraction}.");
        }
        var validation = new List<int>();
        if (fraction > 0)
        {
            var random = new Random(seed);
            for (int c = 0; c < classCount; c++)
            {
                int[] members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
                if (members.Length < 2)
                {
                    continue;
                }
                random.Shuffle(members);
                int take = Math.Clamp((int)Math.Round(members.Length * fraction, MidpointRounding.AwayFromZero), 1, members.Length - 1);
                validation.AddRange(members.Take(take));
            }
        }
        var held = new HashSet<int>(validation);
        validation.Sort();
        return (Enumerable.Range(0, labels.Count).Where(i => !held.Contains(i)).ToArray(), validation.ToArray());
    }
}
