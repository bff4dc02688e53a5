using System.Collections.Concurrent;

namespace Pipeline.Inference.Selection;

/// <summary>
/// Runs a cheap per-image body over every image in parallel, in blocks of images so that the scheduling costs less than
/// the work. Each image's result is its own, so the outcome does not depend on the number of threads.
/// </summary>
internal static class ParallelRows
{
    private const int BlockSize = 1024;

    public static void For(int count, Action<int> body)
    {
        Parallel.ForEach(Partitioner.Create(0, count, BlockSize), range =>
        {
            for (int i = range.Item1; i < range.Item2; i++)
            {
                body(i);
            }
        });
    }
}
