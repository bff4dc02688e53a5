using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

/// <summary>
/// Embeddings in tight groups around orthogonal directions (seeded), with each group's exact centre among its points:
/// the shape every selection strategy should read correctly.
/// </summary>
internal static class Blobs
{
    public const int Dim = 8;

    /// <summary>
    /// <paramref name="sizes"/>[g] points for group g, group g's points first; point 0 of each group sits on the group's
    /// direction, the others at distance <paramref name="spread"/> from it in seeded directions, so that the centre is
    /// the group's most typical point (nearer to the rest than they are to each other).
    /// </summary>
    public static (EmbeddingPool Pool, int[] Group, int[] Centre) Make(int[] sizes, int seed = 3, float spread = 0.05f)
    {
        var random = new Random(seed);
        int total = sizes.Sum();
        float[] values = new float[total * Dim];
        int[] group = new int[total];
        int[] centre = new int[sizes.Length];
        int index = 0;
        for (int g = 0; g < sizes.Length; g++)
        {
            centre[g] = index;
            for (int i = 0; i < sizes[g]; i++, index++)
            {
                group[index] = g;
                float[] direction = Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                float length = MathF.Sqrt(direction.Sum(x => x * x));
                for (int d = 0; d < Dim; d++)
                {
                    float offset = i == 0 ? 0 : direction[d] / length * spread;
                    values[index * Dim + d] = (d == g ? 1 : 0) + offset;
                }
            }
        }
        return (new EmbeddingPool(values, Dim), group, centre);
    }
}
