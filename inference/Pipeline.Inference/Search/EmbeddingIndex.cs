using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Pipeline.Errors;

namespace Pipeline.Inference.Search;

/// <summary>
/// A catalogue of embeddings to look up by similarity: ids and their vectors, scaled to unit length and kept in one
/// contiguous [N, D] array, with the SHA-256 of the model that made them. <see cref="Search(ReadOnlySpan{float}, int, int)"/>
/// is exact: the cosine similarity of the query to every vector (SIMD dot products, <see cref="TensorPrimitives"/>), the
/// k best kept in a bounded heap; large indexes are scanned in blocks of rows on several threads.
/// </summary>
/// <remarks>
/// <para>The <see cref="Metric"/> says in which space: <see cref="IndexMetric.Cosine"/> compares the embeddings as the
/// model gives them; <see cref="IndexMetric.StandardizedCosine"/> (what <see cref="Build"/> makes unless told otherwise)
/// first standardises every dimension with the catalogue's mean and standard deviation (<see cref="Standardization"/>),
/// the entries when they are added and every query when it is searched, so callers always pass raw embeddings. The
/// statistics are fixed when the index is built: entries added later are standardised with them, and removing entries
/// does not change them.</para>
/// <para>Searches are thread-safe and may run on many threads at once. <see cref="Add"/> and <see cref="Remove"/> are
/// not: they must not overlap any other call on the same index.</para>
/// <para>Results are deterministic: ties are broken by id (ordinal), so the same query finds the same hits in the same
/// order whatever the thread count and whatever order the entries were added in.</para>
/// <para>Files: <see cref="Save"/> and <see cref="Load"/> (the format is <see cref="EmbeddingIndexFile"/>'s).</para>
/// <example>
/// <code>
/// var index = EmbeddingIndex.Build(model.Sha256, model.EmbeddingDim, ["shoes/1.png", "shoes/2.png"], model.Embed(pixels));
/// index.Add(["shoes/3.png"], model.Embed(morePixels));             // standardised with the statistics of the first two
/// IReadOnlyList&lt;SearchHit&gt; hits = index.Search(query, k: 3);   // a raw embedding; best first: (id, cosine)
/// </code>
/// </example>
/// </remarks>
public sealed class EmbeddingIndex
{
    /// <summary>Indexes smaller than this are scanned on one thread: below it, starting threads costs more than it saves.</summary>
    public const int ParallelMinRows = 65_536;

    // 16,384 rows of 128 floats are 8 MB: blocks large enough that scheduling is noise, small enough to share out.
    private const int BlockRows = 16_384;

    private readonly List<string> _ids = [];
    private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);
    private float[] _vectors = [];

    /// <summary>
    /// An empty index for the embeddings of the model with <paramref name="modelSha256"/>, <paramref name="dim"/> floats
    /// each, compared by plain cosine (<see cref="IndexMetric.Cosine"/>): an empty catalogue has no statistics to
    /// standardise with. <see cref="Build"/> makes a standardised one from a catalogue.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="modelSha256"/> is not 64 hex digits.</exception>
    public EmbeddingIndex(string modelSha256, int dim)
        : this(modelSha256, dim, standardization: null)
    {
    }

    /// <summary>
    /// An empty index for the embeddings of the model with <paramref name="modelSha256"/>, compared by cosine after
    /// <paramref name="standardization"/> (<see cref="IndexMetric.StandardizedCosine"/>); its width is the statistics'.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="modelSha256"/> is not 64 hex digits.</exception>
    public EmbeddingIndex(string modelSha256, VectorStandardization standardization)
        : this(modelSha256, (standardization ?? throw new ArgumentNullException(nameof(standardization))).Dim, standardization)
    {
    }

    private EmbeddingIndex(string modelSha256, int dim, VectorStandardization? standardization)
    {
        ArgumentNullException.ThrowIfNull(modelSha256);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (modelSha256.Length != 64 || !modelSha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{modelSha256}' is not a SHA-256 (64 hex digits).", nameof(modelSha256));
        }
        ModelSha256 = modelSha256.ToLowerInvariant();
        Dim = dim;
        Standardization = standardization;
    }

    /// <summary>
    /// An index of a catalogue: <paramref name="ids"/>[i] with the raw embedding in row i of <paramref name="vectors"/>
    /// ([N, D] row-major). With <see cref="IndexMetric.StandardizedCosine"/> (the default: on Fashion-MNIST it finds
    /// neighbours of the same class more often than plain cosine does) the statistics are these vectors'.
    /// </summary>
    /// <param name="modelSha256">The SHA-256 of the model that made the vectors.</param>
    /// <param name="dim">D, floats per vector.</param>
    /// <param name="ids">The entries' ids; see <see cref="Add"/>.</param>
    /// <param name="vectors">Their embeddings as the model gave them.</param>
    /// <param name="metric">How to compare: standardised cosine, or plain cosine of the raw embeddings.</param>
    /// <exception cref="ArgumentException">The vectors are not <paramref name="ids"/>.Count rows of <paramref name="dim"/> floats; <paramref name="modelSha256"/> is not a SHA-256.</exception>
    /// <exception cref="UserErrorException">
    /// As <see cref="Add"/>; or the catalogue is empty and <paramref name="metric"/> is <see cref="IndexMetric.StandardizedCosine"/>,
    /// which needs statistics.
    /// </exception>
    public static EmbeddingIndex Build(string modelSha256, int dim, IReadOnlyList<string> ids, ReadOnlySpan<float> vectors,
        IndexMetric metric = IndexMetric.StandardizedCosine)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        RequireRows(ids, vectors, dim);
        RequireFinite(vectors);
        EmbeddingIndex index;
        switch (metric)
        {
            case IndexMetric.Cosine:
                index = new EmbeddingIndex(modelSha256, dim);
                break;
            case IndexMetric.StandardizedCosine when ids.Count == 0:
                throw new UserErrorException("An index standardised per dimension takes its statistics from the catalogue, but it is empty: give at least one image.");
            case IndexMetric.StandardizedCosine:
                index = new EmbeddingIndex(modelSha256, VectorStandardization.Fit(vectors, dim));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a metric.");
        }
        index.Add(ids, vectors);
        return index;
    }

    /// <summary>The SHA-256 (64 lower-case hex digits) of the model whose embeddings the index holds.</summary>
    public string ModelSha256 { get; }

    /// <summary>D, floats per vector.</summary>
    public int Dim { get; }

    /// <summary>N, the number of entries.</summary>
    public int Count => _ids.Count;

    /// <summary>The most entries an index of this width can hold: one array of at most <see cref="Array.MaxLength"/> floats.</summary>
    public int Capacity => Array.MaxLength / Dim;

    /// <summary>The entries' ids, in row order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>The entries' unit vectors, [N, D] row-major, in row order: standardised first when <see cref="Standardization"/> is set.</summary>
    public ReadOnlySpan<float> Vectors => _vectors.AsSpan(0, Count * Dim);

    /// <summary>How queries are compared with the entries.</summary>
    public IndexMetric Metric => Standardization is null ? IndexMetric.Cosine : IndexMetric.StandardizedCosine;

    /// <summary>The statistics every entry and query is standardised with, fixed when the index was built; null for plain cosine.</summary>
    public VectorStandardization? Standardization { get; }

    /// <summary>Whether an entry has the id <paramref name="id"/>.</summary>
    public bool Contains(string id) => _rowOf.ContainsKey(id);

    /// <summary>Loads an index file written by <see cref="Save"/>; see <see cref="EmbeddingIndexFile.Read"/>.</summary>
    /// <inheritdoc cref="EmbeddingIndexFile.Read" path="/exception"/>
    public static EmbeddingIndex Load(string path) => EmbeddingIndexFile.Read(path);

    /// <summary>Loads the index file the setting <paramref name="setting"/> names (<see cref="Load"/>).</summary>
    /// <exception cref="InvalidSettingException">The file does not exist or is not an index (<see cref="InvalidSettingException.Setting"/> is <paramref name="setting"/>).</exception>
    public static EmbeddingIndex LoadSetting(string setting, string path)
    {
        try
        {
            return Load(path);
        }
        catch (Exception error) when (error is InvalidDataException or FileNotFoundException)
        {
            throw InvalidSettingException.ForSetting(setting, $"{path}: {error.Message} Give a file pipeline-infer index build wrote.", error);
        }
    }

    /// <summary>Writes the index to <paramref name="path"/>, whole or not at all; see <see cref="EmbeddingIndexFile.Write"/>.</summary>
    public void Save(string path, CancellationToken cancellationToken = default) => EmbeddingIndexFile.Write(path, this, cancellationToken);

    /// <summary>
    /// Throws unless the model with <paramref name="modelSha256"/> is the one whose embeddings the index holds.
    /// </summary>
    /// <exception cref="IndexModelMismatchException">It is another model.</exception>
    public void RequireModel(string modelSha256)
    {
        ArgumentNullException.ThrowIfNull(modelSha256);
        if (!string.Equals(modelSha256, ModelSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new IndexModelMismatchException(ModelSha256, modelSha256);
        }
    }

    /// <summary>
    /// Adds entries: <paramref name="ids"/>[i] with the raw embedding in row i of <paramref name="vectors"/> ([N, D]
    /// row-major), standardised with <see cref="Standardization"/> when it is set, then scaled to unit length (a zero
    /// vector stays zero, and scores 0 against every query). All or nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors are not <paramref name="ids"/>.Count rows of <see cref="Dim"/> floats.</exception>
    /// <exception cref="UserErrorException">
    /// A vector is not finite (the encoder is broken for its image); an id is empty, holds a line break, is repeated, or is
    /// in the index already (<see cref="Remove"/> it first to replace it); or the index would hold more than
    /// <see cref="Capacity"/> entries.
    /// </exception>
    public void Add(IReadOnlyList<string> ids, ReadOnlySpan<float> vectors) => Append(ids, vectors, standardize: true);

    /// <summary>
    /// Adds entries whose vectors are in the index's space already, as <see cref="Vectors"/> holds them (read from a
    /// file): they are scaled to unit length but not standardised again.
    /// </summary>
    internal void AddStored(IReadOnlyList<string> ids, ReadOnlySpan<float> vectors) => Append(ids, vectors, standardize: false);

    private void Append(IReadOnlyList<string> ids, ReadOnlySpan<float> vectors, bool standardize)
    {
        ArgumentNullException.ThrowIfNull(ids);
        RequireRows(ids, vectors, Dim);
        RequireFinite(vectors);
        CheckNewIds(ids);
        if ((long)Count + ids.Count > Capacity)
        {
            throw new UserErrorException(
                $"{Count} + {ids.Count} entries are more than the {Capacity} vectors of {Dim} floats one index holds: split the catalogue, "
                + "or give it to a vector engine built for more (FAISS, Qdrant).");
        }

        int start = Count * Dim;
        int end = start + vectors.Length;
        if (end > _vectors.Length)
        {
            // Doubling makes a run of small adds cost linear time; the first add of a whole catalogue takes what it needs.
            Array.Resize(ref _vectors, (int)Math.Min(Math.Max(end, 2L * _vectors.Length), (long)Capacity * Dim));
        }
        Span<float> added = _vectors.AsSpan(start, vectors.Length);
        vectors.CopyTo(added);
        if (standardize)
        {
            Standardization?.Apply(added);
        }
        UnitRows.Normalise(added, Dim);
        foreach (string id in ids)
        {
            _rowOf.Add(id, _ids.Count);
            _ids.Add(id);
        }
    }

    /// <summary>Removes the entries with <paramref name="ids"/>; the others keep their order. All or nothing.</summary>
    /// <exception cref="KeyNotFoundException">An id is not in the index; the message lists the first few.</exception>
    public void Remove(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var removed = new HashSet<int>();
        var unknown = new List<string>();
        foreach (string id in ids)
        {
            if (_rowOf.TryGetValue(id, out int row))
            {
                removed.Add(row);
            }
            else
            {
                unknown.Add(id);
            }
        }
        if (unknown.Count > 0)
        {
            throw new KeyNotFoundException($"The index holds no entry {Few(unknown)}: nothing was removed.");
        }
        if (removed.Count == 0)
        {
            return;
        }

        int kept = 0;
        for (int row = 0; row < _ids.Count; row++)
        {
            if (removed.Contains(row))
            {
                continue;
            }
            if (kept != row)
            {
                _vectors.AsSpan(row * Dim, Dim).CopyTo(_vectors.AsSpan(kept * Dim, Dim));
                _ids[kept] = _ids[row];
            }
            kept++;
        }
        _ids.RemoveRange(kept, _ids.Count - kept);
        _rowOf.Clear();
        for (int row = 0; row < _ids.Count; row++)
        {
            _rowOf.Add(_ids[row], row);
        }
    }

    /// <summary>
    /// The <paramref name="k"/> entries most similar to <paramref name="query"/> by cosine, best first (ties by id); all
    /// of them when the index holds fewer. Exact: every vector is compared. With <see cref="Standardization"/> set the
    /// query is standardised with it first, so the score is the cosine in standardised space.
    /// </summary>
    /// <param name="query">A raw embedding, D floats, with a direction (it is scaled to unit length).</param>
    /// <param name="k">How many entries to return, at least 1.</param>
    /// <param name="maxDegreeOfParallelism">
    /// Threads to scan with: 1 for the calling thread alone, −1 (default) for as many as the thread pool gives. Indexes
    /// under <see cref="ParallelMinRows"/> entries are scanned on the calling thread either way.
    /// </param>
    /// <exception cref="InvalidInputException">
    /// The query is not <see cref="Dim"/> floats (<c>wrong_width</c>), holds a NaN or infinity (<c>non_finite_value</c>) or
    /// has no direction (<c>zero_vector</c>): all zeros, or on a standardised index the catalogue's mean in every dimension.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="k"/> is below 1, or <paramref name="maxDegreeOfParallelism"/> is neither −1 nor positive.
    /// </exception>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Give −1 (as many threads as the pool gives) or a positive count.");
        }
        float[] unit = UnitQuery(query);
        var top = new TopHits(Math.Min(k, Math.Max(Count, 1)), _ids);
        if (maxDegreeOfParallelism == 1 || Count < ParallelMinRows)
        {
            Scan(unit, 0, Count, top);
            return top.ToHits();
        }
        // Each worker keeps its own k best of the blocks it scans; the total order makes the merge deterministic.
        Parallel.ForEach(Partitioner.Create(0, Count, BlockRows), new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new TopHits(top.Capacity, _ids),
            (block, _, local) =>
            {
                Scan(unit, block.Item1, block.Item2, local);
                return local;
            },
            local =>
            {
                lock (top)
                {
                    top.Merge(local);
                }
            });
        return top.ToHits();
    }

    /// <summary>
    /// Embeds one PNG or JPEG image with <paramref name="model"/> (which must be the index's model) and returns the
    /// <paramref name="k"/> entries most similar to it, as <see cref="Search(ReadOnlySpan{float}, int, int)"/> does.
    /// </summary>
    /// <param name="model">The model the index was built with.</param>
    /// <param name="image">PNG or JPEG bytes.</param>
    /// <param name="k">How many entries to return, at least 1.</param>
    /// <param name="source">What to call the image in an error, such as its file name.</param>
    /// <param name="limits">The largest image accepted; <see cref="ImageLimits.Default"/> when null.</param>
    /// <exception cref="IndexModelMismatchException"><paramref name="model"/> is not the index's model.</exception>
    /// <exception cref="InvalidInputException">The bytes are not an image the model can read (see <see cref="ImageInput.Decode"/>).</exception>
    public IReadOnlyList<SearchHit> Search(EmbeddingModel model, ReadOnlySpan<byte> image, int k, string source = "the image",
        ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireModel(model.Sha256);
        float[] pixels = new float[model.InputShape.Size];
        ImageInput.Decode(image, model.InputShape, pixels, source, limits);
        return Search(model.Embed(pixels), k);
    }

    private float[] UnitQuery(ReadOnlySpan<float> query)
    {
        if (query.Length != Dim)
        {
            throw new InvalidInputException("wrong_width",
                $"The query has {query.Length} values, but this index holds vectors of {Dim}: send {Dim}, an embedding of the index's model.");
        }
        if (!TensorPrimitives.IsFiniteAll(query))
        {
            throw new InvalidInputException("non_finite_value", "The query holds a NaN or infinite value: send finite numbers.");
        }
        float[] unit = query.ToArray();
        Standardization?.Apply(unit);
        if (TensorPrimitives.Norm(unit) == 0)
        {
            throw new InvalidInputException("zero_vector", Standardization is null
                ? "The query is all zeros, which has no direction to compare: send an embedding."
                : "The query is the catalogue's mean in every dimension, so standardised it is all zeros, which has no direction to compare: send an embedding.");
        }
        UnitRows.Normalise(unit, Dim);
        return unit;
    }

    private void Scan(float[] query, int start, int end, TopHits top)
    {
        ReadOnlySpan<float> vectors = _vectors;
        int dim = Dim;
        for (int row = start; row < end; row++)
        {
            float score = TensorPrimitives.Dot(query, vectors.Slice(row * dim, dim));
            if (score >= top.Threshold)
            {
                top.Offer(score, row);
            }
        }
    }

    private static void RequireRows(IReadOnlyList<string> ids, ReadOnlySpan<float> vectors, int dim)
    {
        if (vectors.Length != (long)ids.Count * dim)
        {
            throw new ArgumentException($"{vectors.Length} floats are not {ids.Count} vectors of {dim}.", nameof(vectors));
        }
    }

    private static void RequireFinite(ReadOnlySpan<float> vectors)
    {
        // IsFiniteAll is false for no values at all.
        if (!vectors.IsEmpty && !TensorPrimitives.IsFiniteAll(vectors))
        {
            throw new UserErrorException("The vectors hold a NaN or infinite value: the encoder is broken for these images.");
        }
    }

    private void CheckNewIds(IReadOnlyList<string> ids)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var present = new List<string>();
        var repeated = new List<string>();
        foreach (string id in ids)
        {
            if (string.IsNullOrEmpty(id) || id.Contains('\n') || id.Contains('\r'))
            {
                throw new UserErrorException($"The id '{id}' is empty or holds a line break: an id is a non-empty line of text.");
            }
            if (_rowOf.ContainsKey(id))
            {
                present.Add(id);
            }
            else if (!seen.Add(id))
            {
                repeated.Add(id);
            }
        }
        if (present.Count > 0)
        {
            throw new UserErrorException($"The index holds {Few(present)} already: remove an entry before adding it again.");
        }
        if (repeated.Count > 0)
        {
            throw new UserErrorException($"The ids name {Few(repeated)} more than once: add each entry once.");
        }
    }

    private static string Few(List<string> ids) =>
        string.Join(", ", ids.Take(5).Select(id => $"'{id}'")) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : "");
}
