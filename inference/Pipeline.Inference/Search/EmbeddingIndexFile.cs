using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Pipeline.Data.SafeTensors;
using Pipeline.Errors;
using Pipeline.Runs;

namespace Pipeline.Inference.Search;

/// <summary>
/// The file an <see cref="EmbeddingIndex"/> is kept in: safetensors, so that numpy, PyTorch, FAISS or a vector database's
/// loader reads it without this project.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Tensor <c>vectors</c>: F32 [N, D], one unit-length vector per row (cosine similarity is their dot product): the
/// embeddings, standardised first when the metric is <c>standardized-cosine</c>.</item>
/// <item>Tensor <c>ids</c>: U8 [bytes], the N ids in row order, UTF-8, each followed by a line feed
/// (<c>bytes(ids).decode().splitlines()</c> in Python).</item>
/// <item>Tensors <c>mean</c> and <c>scale</c>: F32 [D], only when the metric is <c>standardized-cosine</c>: the catalogue's
/// mean and standard deviation per dimension when the index was built (1 for a dimension that never varied). A query
/// is compared as <c>(query − mean) / scale</c>, scaled to unit length.</item>
/// <item>Metadata: <c>format</c> = <c>pipeline.embedding-index</c>, <c>format_version</c>, <c>model_sha256</c> (of the
/// encoder.onnx that made the vectors), <c>metric</c> = <c>cosine</c> or <c>standardized-cosine</c>, <c>count</c>,
/// <c>dim</c>, <c>created_utc</c>.</item>
/// </list>
/// <para>Versions: <c>2</c> added the metric <c>standardized-cosine</c> and its two tensors. A file is written with the
/// lowest version that describes it — a <c>cosine</c> index as version <c>1</c>, which older builds read, a standardised
/// one as <c>2</c>, which they refuse rather than search without its statistics. Both are read; a version-1 file is
/// plain cosine.</para>
/// Reading scales every row to unit length again, so a file written elsewhere (numpy) need not have. A file is read whole
/// into memory, which limits it to 2 GB (about 4 million vectors of 128 floats).
/// </remarks>
public static class EmbeddingIndexFile
{
    /// <summary>The metadata <c>format</c> of an index file.</summary>
    public const string FormatName = "pipeline.embedding-index";

    /// <summary>The newest <c>format_version</c> this build reads, and writes for a standardised index.</summary>
    public const string FormatVersion = "2";

    /// <summary>The first <c>format_version</c>, plain cosine only, which this build still reads and writes for a <c>cosine</c> index.</summary>
    public const string CosineFormatVersion = "1";

    /// <summary>The F32 [N, D] tensor of unit vectors.</summary>
    public const string VectorsTensor = "vectors";

    /// <summary>The U8 tensor of the ids, UTF-8, each followed by a line feed.</summary>
    public const string IdsTensor = "ids";

    /// <summary>The F32 [D] tensor of the per-dimension means of a standardised index.</summary>
    public const string MeanTensor = "mean";

    /// <summary>The F32 [D] tensor of the per-dimension standard deviations of a standardised index.</summary>
    public const string ScaleTensor = "scale";

    private const string FormatKey = "format";
    private const string VersionKey = "format_version";
    private const string ModelKey = "model_sha256";
    private const string MetricKey = "metric";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="index"/> to <paramref name="path"/>, whole or not at all (<see cref="AtomicFile"/>).</summary>
    /// <param name="path">The file; its folder is created when missing.</param>
    /// <param name="index">The index.</param>
    /// <param name="cancellationToken">Checked while the vectors are written; a cancelled write leaves the old file as it was.</param>
    public static void Write(string path, EmbeddingIndex index, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(index);
        var ids = new StringBuilder();
        foreach (string id in index.Ids)
        {
            ids.Append(id).Append('\n');
        }
        byte[] idBytes = StrictUtf8.GetBytes(ids.ToString());
        List<SafeTensor> tensors =
        [
            SafeTensor.FromFloats(VectorsTensor, [index.Count, index.Dim], index.Vectors),
            new SafeTensor(IdsTensor, SafeTensorDType.U8, [idBytes.Length], idBytes),
        ];
        if (index.Standardization is { } standardization)
        {
            tensors.Add(SafeTensor.FromFloats(MeanTensor, [index.Dim], [.. standardization.Mean]));
            tensors.Add(SafeTensor.FromFloats(ScaleTensor, [index.Dim], [.. standardization.Scale]));
        }
        SafeTensorsFile.Write(path,
            tensors,
            new Dictionary<string, string>
            {
                [FormatKey] = FormatName,
                [VersionKey] = index.Standardization is null ? CosineFormatVersion : FormatVersion,
                [ModelKey] = index.ModelSha256,
                [MetricKey] = NameOf(index.Metric),
                ["count"] = index.Count.ToString(CultureInfo.InvariantCulture),
                ["dim"] = index.Dim.ToString(CultureInfo.InvariantCulture),
                ["created_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            },
            cancellationToken);
    }

    /// <summary>Reads the index file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a whole, well-formed index of this format; the message names it and says what is wrong.</exception>
    public static EmbeddingIndex Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        string? format = content.Metadata.GetValueOrDefault(FormatKey);
        if (format != FormatName)
        {
            throw new InvalidDataException(
                $"{path} is a safetensors file but not an embedding index: its metadata's format is {(format is null ? "missing" : $"'{format}'")}, not '{FormatName}'.");
        }
        string? version = content.Metadata.GetValueOrDefault(VersionKey);
        if (version is not (CosineFormatVersion or FormatVersion))
        {
            throw new InvalidDataException(
                $"{path} is an embedding index of format version '{version}'; this build reads versions {CosineFormatVersion} and {FormatVersion}.");
        }
        try
        {
            string modelSha256 = content.RequireMetadata(ModelKey);
            SafeTensor vectors = content.Require(VectorsTensor);
            if (vectors.DType != SafeTensorDType.F32 || vectors.Shape is not [long rows, long dim] || dim < 1 || dim > int.MaxValue)
            {
                throw new InvalidDataException($"Its tensor '{VectorsTensor}' is {vectors.DType} [{string.Join(", ", vectors.Shape)}], not F32 [N, D].");
            }
            SafeTensor idBytes = content.Require(IdsTensor);
            if (idBytes.DType != SafeTensorDType.U8 || idBytes.Shape.Length != 1)
            {
                throw new InvalidDataException($"Its tensor '{IdsTensor}' is {idBytes.DType} [{string.Join(", ", idBytes.Shape)}], not U8 [bytes].");
            }
            IReadOnlyList<string> ids = ReadIds(idBytes.Data);
            if (ids.Count != rows)
            {
                throw new InvalidDataException($"It holds {rows} vectors but {ids.Count} ids.");
            }
            // Version 1 knew only cosine, whatever its metadata says.
            IndexMetric metric = version == CosineFormatVersion ? IndexMetric.Cosine : MetricOf(content.RequireMetadata(MetricKey));
            EmbeddingIndex index = metric == IndexMetric.Cosine
                ? new EmbeddingIndex(modelSha256, (int)dim)
                : new EmbeddingIndex(modelSha256, new VectorStandardization(ReadStatistic(content, MeanTensor, dim), ReadStatistic(content, ScaleTensor, dim)));
            index.AddStored(ids, MemoryMarshal.Cast<byte, float>(vectors.Data));
            return index;
        }
        catch (Exception error) when (error is InvalidDataException or ArgumentException or UserErrorException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{path} is not a well-formed embedding index: {error.Message}", error);
        }
    }

    /// <summary>The name of <paramref name="metric"/> in a file's metadata and on the command line: <c>cosine</c>, <c>standardized-cosine</c>.</summary>
    public static string NameOf(IndexMetric metric) => metric switch
    {
        IndexMetric.Cosine => "cosine",
        IndexMetric.StandardizedCosine => "standardized-cosine",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a metric."),
    };

    /// <summary>Every metric's name (<see cref="NameOf"/>).</summary>
    public static IReadOnlyList<string> MetricNames { get; } = [.. Enum.GetValues<IndexMetric>().Select(NameOf)];

    /// <summary>The metric named <paramref name="name"/> (<see cref="NameOf"/>).</summary>
    /// <exception cref="InvalidDataException">No metric has that name.</exception>
    public static IndexMetric MetricOf(string name)
    {
        foreach (IndexMetric metric in Enum.GetValues<IndexMetric>())
        {
            if (NameOf(metric) == name)
            {
                return metric;
            }
        }
        throw new InvalidDataException($"Its metric '{name}' is none of {string.Join(", ", MetricNames)}.");
    }

    private static float[] ReadStatistic(SafeTensorsContent content, string name, long dim)
    {
        SafeTensor tensor = content.Require(name);
        if (tensor.DType != SafeTensorDType.F32 || tensor.Shape is not [long length] || length != dim)
        {
            throw new InvalidDataException($"Its tensor '{name}' is {tensor.DType} [{string.Join(", ", tensor.Shape)}], not F32 [{dim}].");
        }
        return tensor.ToFloats();
    }

    private static List<string> ReadIds(byte[] bytes)
    {
        if (bytes.Length > 0 && bytes[^1] != (byte)'\n')
        {
            throw new InvalidDataException($"Its tensor '{IdsTensor}' does not end with a line feed: it is cut short.");
        }
        string text = StrictUtf8.GetString(bytes);
        List<string> ids = [.. text.Split('\n')];
        ids.RemoveAt(ids.Count - 1);
        return ids;
    }
}
