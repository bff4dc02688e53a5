using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Runs;

namespace Pipeline.Data.SafeTensors;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range (plus a string map <c>__metadata__</c>), then the raw bytes.
/// </summary>
/// <remarks>
/// Chosen for checkpoints and fine-tune artifacts because any tool reads it (Python's safetensors, numpy with a few
/// lines) and it cannot execute code, unlike pickles. Writes go through <see cref="AtomicFile"/>, so a crash never leaves
/// a half-written checkpoint under the final name.
/// </remarks>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private const int WriteSliceBytes = 1 << 20;

    /// <summary>Writes the tensors (in the given order) and the metadata to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    /// <param name="path">The file; its folder is created when missing.</param>
    /// <param name="tensors">The tensors, in file order.</param>
    /// <param name="metadata">The string map <c>__metadata__</c>, or null for none.</param>
    /// <param name="cancellationToken">Checked between slices of the tensors' bytes; a cancelled write leaves the old file as it was.</param>
    public static void Write(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory != null)
        {
            Directory.CreateDirectory(directory);
        }
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata, cancellationToken));
    }

    /// <summary>Writes the tensors (in the given order) and the metadata to <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">A tensor's bytes do not fit its dtype and shape; nothing was written then.</exception>
    public static void Write(Stream stream, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);

        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var map = new JsonObject();
            foreach ((string key, string value) in metadata)
            {
                map[key] = value;
            }
            header[MetadataKey] = map;
        }
        long offset = 0;
        foreach (SafeTensor tensor in tensors)
        {
            Validate(tensor);
            if (tensor.Name == MetadataKey || header.ContainsKey(tensor.Name))
            {
                throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or repeated.", nameof(tensors));
            }
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.Data.LongLength),
            };
            offset += tensor.Data.LongLength;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++)
        {
            stream.WriteByte((byte)' ');
        }
        foreach (SafeTensor tensor in tensors)
        {
            for (int start = 0; start < tensor.Data.Length; start += WriteSliceBytes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                stream.Write(tensor.Data, start, Math.Min(WriteSliceBytes, tensor.Data.Length - start));
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Reads every tensor and the metadata, checking the header against the file's size.</summary>
    /// <exception cref="InvalidDataException">The file is not a complete, well-formed safetensors file; the message names it.</exception>
    public static SafeTensorsContent Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: {bytes.Length} bytes, shorter than the header length.");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > bytes.Length)
        {
            throw new InvalidDataException(
                $"{path} is truncated or not a safetensors file: its header claims {headerLength} bytes but the file has {bytes.Length}.");
        }

        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject()
                ?? throw new InvalidDataException($"{path} has an empty safetensors header.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path} has a corrupt safetensors header: {error.Message}", error);
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach ((string name, JsonNode? node) in header)
        {
            if (name == MetadataKey)
            {
                foreach ((string key, JsonNode? value) in node?.AsObject() ?? [])
                {
                    metadata[key] = value?.GetValue<string>() ?? "";
                }
                continue;
            }
            try
            {
                string dtype = node!["dtype"]!.GetValue<string>();
                long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long begin = node["data_offsets"]![0]!.GetValue<long>();
                long end = node["data_offsets"]![1]!.GetValue<long>();
                if (begin < 0 || end < begin || end > dataLength)
                {
                    throw new InvalidDataException(
                        $"{path}: tensor '{name}' spans bytes {begin}..{end} but the data section has {dataLength}: the file is truncated or corrupt.");
                }
                var tensor = new SafeTensor(name, dtype, shape, bytes.AsSpan((int)(dataStart + begin), (int)(end - begin)).ToArray());
                Validate(tensor);
                tensors[name] = tensor;
            }
            catch (Exception error) when (error is NullReferenceException or InvalidOperationException or FormatException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: the header entry of tensor '{name}' is malformed ({error.Message}).", error);
            }
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    private static void Validate(SafeTensor tensor)
    {
        if (tensor.Shape.Any(d => d < 0))
        {
            throw new InvalidDataException($"Tensor '{tensor.Name}' has a negative dimension in [{string.Join(", ", tensor.Shape)}].");
        }
        long expected = tensor.ElementCount * SafeTensorDType.SizeOf(tensor.DType);
        if (tensor.Data.LongLength != expected)
        {
            throw new InvalidDataException(
                $"Tensor '{tensor.Name}' ({tensor.DType} [{string.Join(", ", tensor.Shape)}]) needs {expected} bytes but has {tensor.Data.LongLength}.");
        }
    }
}
