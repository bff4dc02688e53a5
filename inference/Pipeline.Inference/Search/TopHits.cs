namespace Pipeline.Inference.Search;

/// <summary>
/// The k best rows a scan of an index has seen so far, in a min-heap of k entries whose root is the worst kept, so that a
/// row no better than it costs one comparison (<see cref="Threshold"/>) and a better one O(log k).
/// </summary>
/// <remarks>
/// Better is a higher score, or an equal score and a smaller id (ordinal): a total order over an index's rows, so the k
/// kept and their order depend neither on the order rows are offered in nor on how a scan is split over threads.
/// </remarks>
internal sealed class TopHits
{
    private readonly IReadOnlyList<string> _ids;
    private readonly float[] _scores;
    private readonly int[] _rows;
    private int _count;

    /// <param name="capacity">k, at least 1.</param>
    /// <param name="ids">The index's ids by row, for ties.</param>
    public TopHits(int capacity, IReadOnlyList<string> ids)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ids = ids;
        _scores = new float[capacity];
        _rows = new int[capacity];
    }

    /// <summary>k, the most rows kept.</summary>
    public int Capacity => _scores.Length;

    /// <summary>The lowest score still worth offering: −∞ until k rows are kept, then the worst kept.</summary>
    public float Threshold => _count < _scores.Length ? float.NegativeInfinity : _scores[0];

    /// <summary>Keeps <paramref name="row"/> if it is among the k best seen.</summary>
    public void Offer(float score, int row)
    {
        if (_count < _scores.Length)
        {
            _scores[_count] = score;
            _rows[_count] = row;
            SiftUp(_count++);
        }
        else if (Better(score, row, _scores[0], _rows[0]))
        {
            _scores[0] = score;
            _rows[0] = row;
            SiftDown(0);
        }
    }

    /// <summary>Offers every row <paramref name="other"/> kept (another thread's share of a scan).</summary>
    public void Merge(TopHits other)
    {
        for (int i = 0; i < other._count; i++)
        {
            Offer(other._scores[i], other._rows[i]);
        }
    }

    /// <summary>The rows kept, best first.</summary>
    public SearchHit[] ToHits()
    {
        int[] order = Enumerable.Range(0, _count).ToArray();
        Array.Sort(order, (a, b) => a == b ? 0 : Better(_scores[a], _rows[a], _scores[b], _rows[b]) ? -1 : 1);
        return Array.ConvertAll(order, i => new SearchHit(_ids[_rows[i]], _scores[i]));
    }

    private bool Better(float score, int row, float otherScore, int otherRow) =>
        score > otherScore || (score == otherScore && string.CompareOrdinal(_ids[row], _ids[otherRow]) < 0);

    private bool Better(int a, int b) => Better(_scores[a], _rows[a], _scores[b], _rows[b]);

    // The heap keeps every parent worse than its children: the root is the worst kept.
    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(parent, i))
            {
                return;
            }
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int worst = i, left = 2 * i + 1, right = left + 1;
            if (left < _count && Better(worst, left))
            {
                worst = left;
            }
            if (right < _count && Better(worst, right))
            {
                worst = right;
            }
            if (worst == i)
            {
                return;
            }
            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
