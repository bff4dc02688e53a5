using System.Globalization;
using System.Security.Cryptography;
using Pipeline.Data.SafeTensors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// A pool's embeddings kept in a safetensors file with the SHA-256 of the model that made them and of the pool's pixels,
/// so that another selection from the same pool with the same model (a later round, another budget or strategy) reads
/// them instead of running the model again. A file made by another model or from other images is not used.
/// </summary>
public static class PoolEmbeddingCache
{
    private const string TensorName = "embeddings";
    private const string ModelKey = "model_sha256";
    private const string PixelsKey = "pixels_sha256";

    /// <summary>The SHA-256 (lower-case hex) of a pool's pixel bytes, which identifies its images and their order.</summary>
    public static string PixelsSha256(ReadOnlySpan<byte> pixels) => Convert.ToHexStringLower(SHA256.HashData(pixels));

    /// <summary>
    /// The cached [N, D] embeddings when <paramref name="path"/> holds ones made by the model with
    /// <paramref name="modelSha256"/> from the pixels with <paramref name="pixelsSha256"/>; null when the file is absent
    /// or was made otherwise.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but is not an embedding cache.</exception>
    public static float[]? TryRead(string path, string modelSha256, string pixelsSha256, int count, int dim)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        bool same = content.Metadata.GetValueOrDefault(ModelKey) == modelSha256 && content.Metadata.GetValueOrDefault(PixelsKey) == pixelsSha256;
        SafeTensor tensor = content.Require(TensorName);
        return same && tensor.Shape is [long rows, long columns] && rows == count && columns == dim ? tensor.ToFloats() : null;
    }

    /// <summary>Writes the cache, whole or not at all.</summary>
    public static void Write(string path, ReadOnlySpan<float> embeddings, int dim, string modelSha256, string pixelsSha256)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        SafeTensorsFile.Write(path, [SafeTensor.FromFloats(TensorName, [embeddings.Length / dim, dim], embeddings)],
            new Dictionary<string, string>
            {
                [ModelKey] = modelSha256,
                [PixelsKey] = pixelsSha256,
                ["created_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            });
    }
}
