using System.Collections.Concurrent;

namespace Pipeline.Inference.Selection;

/// <summary>
/// Runs a cheap per-image body over every image in parallel, in blocks of images so that the scheduling costs less than
/// the work. Each image's result is its own, so the outcome does not depend on the number of threads.
/// </summary>
internal static class ParallelRows
{
    private const int BlockSize = 1024;

    public static void For(int count, Action<int> body) => ForBlocks(count, BlockSize, (start, end) =>
    {
        for (int i = start; i < end; i++)
        {
            body(i);
        }
    });

    /// <summary>Runs <paramref name="body"/>(start, end) over consecutive blocks of at most <paramref name="blockSize"/> images.</summary>
    public static void ForBlocks(int count, int blockSize, Action<int, int> body) =>
        Parallel.ForEach(Partitioner.Create(0, count, blockSize), range => body(range.Item1, range.Item2));

    /// <summary><see cref="ForBlocks(int, int, Action{int, int})"/> in blocks of 1,024 images.</summary>
    public static void ForBlocks(int count, Action<int, int> body) => ForBlocks(count, BlockSize, body);
}
