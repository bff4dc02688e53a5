using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Data;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference;

/// <summary>
/// An exported embedding model (<c>encoder.onnx</c>) loaded into ONNX Runtime: reads the contract's metadata, checks
/// inputs against it and turns batches of images into embeddings.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may call <see cref="Embed(ReadOnlyMemory{float}, Memory{float})"/> at once
/// (ONNX Runtime's <c>Run</c> is thread-safe and the model keeps no per-call state). <see cref="Dispose"/> waits for the
/// calls in flight to return, then frees the native session; calls that start after it throw
/// <see cref="ObjectDisposedException"/>. That is what lets a server swap models while requests are running.</para>
/// <para>Inputs and outputs go through <see cref="OrtValue"/>s over the caller's buffers, pinned, not copied: a caller
/// that reuses its buffers (as <see cref="Batching.DynamicBatcher"/> does) allocates nothing per image.</para>
/// </remarks>
public sealed class EmbeddingModel : IDisposable
{
    /// <summary>The contract's input: float32 [N, C, H, W] in [0, 1].</summary>
    public const string InputName = "pixels";

    /// <summary>The contract's output: float32 [N, D].</summary>
    public const string OutputName = "embedding";

    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames = [InputName];
    private readonly string[] _outputNames = [OutputName];
    // Readers are Embed calls; Dispose takes it for writing, so it waits for them and no call starts after it.
    private readonly ReaderWriterLockSlim _lifetime = new(LockRecursionPolicy.NoRecursion);
    private bool _disposed;

    private EmbeddingModel(string source, string sha256, InferenceSession session, SessionOptions sessionOptions,
        ExecutionProvider executionProvider, EmbeddingModelMetadata metadata, string precision)
    {
        Source = source;
        Precision = precision;
        Sha256 = sha256;
        _session = session;
        _sessionOptions = sessionOptions;
        ExecutionProvider = executionProvider;
        Metadata = metadata;
        InputShape = new ImageShape(metadata.Channels, metadata.Height, metadata.Width);
    }

    /// <summary>Where the model came from: the file path it was loaded from.</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the model file, 64 lower-case hex digits.</summary>
    public string Sha256 { get; }

    /// <summary>
    /// The number format it computes in: <see cref="PrecisionMetadata.ReferenceName"/> (fp32), or a precision variant's
    /// (<c>int8</c>, <c>fp16</c>) as its <see cref="PrecisionMetadata"/> says.
    /// </summary>
    public string Precision { get; }

    /// <summary>The provider ONNX Runtime actually runs on: <see cref="ExecutionProvider.Cpu"/> or <see cref="ExecutionProvider.Cuda"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>The model's <c>pipeline.*</c> metadata.</summary>
    public EmbeddingModelMetadata Metadata { get; }

    /// <summary>[C, H, W] of one input image.</summary>
    public ImageShape InputShape { get; }

    /// <summary>D: floats per embedding.</summary>
    public int EmbeddingDim => Metadata.EmbeddingDim;

    /// <summary>Loads and checks the model file at <paramref name="path"/>.</summary>
    /// <param name="path">An ONNX file written by <c>pipeline-train export</c>.</param>
    /// <param name="options">Execution provider, threads, expected hash; defaults when null.</param>
    /// <param name="logger">Receives the one line that says why <see cref="ExecutionProvider.Auto"/> fell back to CPU.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">
    /// The file's hash is not the expected one, ONNX Runtime cannot load it, or it breaks the embedding-model contract
    /// (metadata, input <c>pixels</c> [N, C, H, W], output <c>embedding</c> [N, D]); the message says which.
    /// </exception>
    /// <exception cref="InvalidOperationException"><see cref="ExecutionProvider.Cuda"/> was asked for and cannot run here.</exception>
    public static EmbeddingModel Load(string path, EmbeddingModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: give the encoder.onnx that pipeline-train export wrote.", path);
        }
        return Load(File.ReadAllBytes(path), path, options, logger);
    }

    /// <summary>
    /// Loads and checks a model held in memory, such as one made and not yet written; <paramref name="source"/> names it
    /// in errors and as <see cref="Source"/>.
    /// </summary>
    /// <inheritdoc cref="Load(string, EmbeddingModelOptions?, ILogger?)"/>
    internal static EmbeddingModel Load(byte[] bytes, string source, EmbeddingModelOptions? options = null, ILogger? logger = null)
    {
        options ??= new EmbeddingModelOptions();
        logger ??= NullLogger.Instance;
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (options.ExpectedSha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{source} has SHA-256 {sha256}, not the expected {expected}: it is another or a damaged file.");
        }

        (InferenceSession session, SessionOptions sessionOptions, ExecutionProvider provider) =
            OrtSessionFactory.Create(bytes, source, options, logger);
        try
        {
            EmbeddingModelMetadata metadata = ReadContract(session, source);
            return new EmbeddingModel(Path.GetFullPath(source), sha256, session, sessionOptions, provider, metadata, ReadPrecision(session, source));
        }
        catch
        {
            session.Dispose();
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>Embeds N images: <paramref name="pixels"/> is [N, C, H, W] in [0, 1], <paramref name="embeddings"/> receives [N, D].</summary>
    /// <exception cref="InvalidInputException">
    /// The pixels are empty or not a whole number of images (<c>wrong_size</c>), or hold a NaN or infinity
    /// (<c>non_finite_value</c>) or a value outside [0, 1] (<c>value_out_of_range</c>).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="embeddings"/> is not exactly N x D floats.</exception>
    public void Embed(ReadOnlyMemory<float> pixels, Memory<float> embeddings)
    {
        int count = CheckPixels(pixels.Span);
        if (embeddings.Length != count * EmbeddingDim)
        {
            throw new ArgumentException(
                $"The destination holds {embeddings.Length} floats, not the {count} x {EmbeddingDim} of {count} embeddings.", nameof(embeddings));
        }

        _lifetime.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                MemoryMarshal.AsMemory(pixels), [count, InputShape.Channels, InputShape.Height, InputShape.Width]);
            using OrtValue output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                embeddings, [count, EmbeddingDim]);
            _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
        }
        finally
        {
            _lifetime.ExitReadLock();
        }
    }

    /// <summary>Embeds N images of [N, C, H, W] pixels in [0, 1] and returns the [N, D] embeddings, row-major.</summary>
    /// <inheritdoc cref="Embed(ReadOnlyMemory{float}, Memory{float})"/>
    public float[] Embed(ReadOnlyMemory<float> pixels)
    {
        int count = CheckPixels(pixels.Span);
        float[] embeddings = new float[count * EmbeddingDim];
        Embed(pixels, embeddings);
        return embeddings;
    }

    /// <summary>
    /// Embeds images given as pixel bytes, [N, C, H, W] in [0, 255] (an <see cref="ImageSet"/>'s layout), in batches of
    /// <paramref name="batchSize"/> scaled to [0, 1] in one reused buffer; returns the [N, D] embeddings.
    /// </summary>
    /// <param name="pixels">The images' bytes, a whole number of <see cref="InputShape"/> images.</param>
    /// <param name="batchSize">Images per run.</param>
    /// <param name="progress">Receives the number of images embedded after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public float[] EmbedBytes(ReadOnlyMemory<byte> pixels, int batchSize = 64, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int size = InputShape.Size, dim = EmbeddingDim;
        if (pixels.IsEmpty || pixels.Length % size != 0)
        {
            throw new ArgumentException($"{pixels.Length} bytes are not a whole number of {InputShape} images.", nameof(pixels));
        }
        int count = pixels.Length / size;
        float[] embeddings = new float[count * dim];
        float[] batch = new float[Math.Min(batchSize, count) * size];
        for (int start = 0; start < count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int images = Math.Min(batchSize, count - start);
            PixelScaling.ToUnitRange(pixels.Span.Slice(start * size, images * size), batch);
            Embed(batch.AsMemory(0, images * size), embeddings.AsMemory(start * dim, images * dim));
            progress?.Report(start + images);
        }
        return embeddings;
    }

    /// <summary>Decodes PNG or JPEG images to this model's input (see <see cref="ImageInput"/>) and embeds them as one batch.</summary>
    /// <param name="images">The encoded images.</param>
    /// <param name="names">What to call each image in an error; <c>image[i]</c> when null.</param>
    /// <param name="limits">The largest image accepted; <see cref="ImageLimits.Default"/> when null.</param>
    /// <returns>[N, D] embeddings, row-major, in the order of <paramref name="images"/>.</returns>
    public float[] EmbedImages(IReadOnlyList<ReadOnlyMemory<byte>> images, IReadOnlyList<string>? names = null,
        ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (names is not null && names.Count != images.Count)
        {
            throw new ArgumentException($"{names.Count} names for {images.Count} images.", nameof(names));
        }
        int size = InputShape.Size;
        float[] pixels = new float[images.Count * size];
        for (int i = 0; i < images.Count; i++)
        {
            ImageInput.Decode(images[i].Span, InputShape, pixels.AsSpan(i * size, size), names?[i] ?? $"image[{i}]", limits);
        }
        return Embed(pixels);
    }

    /// <summary>
    /// Checks that <paramref name="pixels"/> are whole [C, H, W] images of finite values in [0, 1] and returns how many.
    /// </summary>
    /// <exception cref="InvalidInputException">Codes <c>wrong_size</c>, <c>non_finite_value</c>, <c>value_out_of_range</c>.</exception>
    public int CheckPixels(ReadOnlySpan<float> pixels)
    {
        int size = InputShape.Size;
        if (pixels.IsEmpty || pixels.Length % size != 0)
        {
            throw new InvalidInputException("wrong_size",
                $"{pixels.Length} floats are not a whole number of {InputShape} images ({size} floats each, at least one): "
                + $"send [N, {InputShape.Channels}, {InputShape.Height}, {InputShape.Width}] row-major.");
        }
        for (int i = 0; i < pixels.Length; i++)
        {
            float value = pixels[i];
            if (!float.IsFinite(value))
            {
                throw new InvalidInputException("non_finite_value",
                    $"Value {i} (image {i / size}) is {value}: pixels must be finite numbers in [0, 1].");
            }
            if (value is < 0f or > 1f)
            {
                throw new InvalidInputException("value_out_of_range",
                    $"Value {i} (image {i / size}) is {value}, outside [0, 1]: scale bytes by 1/255; the model normalises inside.");
            }
        }
        return pixels.Length / size;
    }

    /// <summary>
    /// Runs one batch of grey images and checks that every embedding is finite: proof the model computes before it serves.
    /// </summary>
    /// <exception cref="InvalidDataException">The model's output holds a NaN or infinity.</exception>
    public void WarmUp(int batchSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        float[] pixels = new float[batchSize * InputShape.Size];
        Array.Fill(pixels, 0.5f);
        float[] embeddings = Embed(pixels);
        int bad = Array.FindIndex(embeddings, value => !float.IsFinite(value));
        if (bad >= 0)
        {
            throw new InvalidDataException(
                $"{Source} gives {embeddings[bad]} at embedding value {bad} for a grey image: the weights are broken; export it again.");
        }
    }

    /// <summary>Waits for the <see cref="Embed(ReadOnlyMemory{float}, Memory{float})"/> calls in flight, then frees the session.</summary>
    public void Dispose()
    {
        _lifetime.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _session.Dispose();
            _sessionOptions.Dispose();
            _runOptions.Dispose();
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    // The metadata, and the graph's input and output checked against it (a fine-tuned classifier keeps the same contract).
    internal static EmbeddingModelMetadata ReadContract(InferenceSession session, string path)
    {
        EmbeddingModelMetadata metadata;
        try
        {
            metadata = EmbeddingModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"{path}: {error.Message}", error);
        }
        long[] input = [-1, metadata.Channels, metadata.Height, metadata.Width];
        long[] output = [-1, metadata.EmbeddingDim];
        RequireTensor(session.InputMetadata, InputName, input, "input", path);
        RequireTensor(session.OutputMetadata, OutputName, output, "output", path);
        return metadata;
    }

    private static string ReadPrecision(InferenceSession session, string path)
    {
        try
        {
            return PrecisionMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap) is { } variant
                ? PrecisionMetadata.NameOf(variant.Precision)
                : PrecisionMetadata.ReferenceName;
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"{path}: {error.Message}", error);
        }
    }

    /// <summary>Throws unless the session has a float32 <paramref name="role"/> <paramref name="name"/> of shape [N, <paramref name="expected"/>[1..]].</summary>
    internal static void RequireTensor(IReadOnlyDictionary<string, NodeMetadata> values, string name, long[] expected,
        string role, string path, string modelKind = "an embedding model from pipeline-train export")
    {
        if (!values.TryGetValue(name, out NodeMetadata? node))
        {
            throw new InvalidDataException(
                $"{path} has no {role} '{name}' (it has {string.Join(", ", values.Keys)}): it is not {modelKind}.");
        }
        int[] dims = node.IsTensor ? node.Dimensions : [];
        bool matches = node.IsTensor && node.ElementType == typeof(float) && dims.Length == expected.Length
            && dims.Skip(1).Select(d => (long)d).SequenceEqual(expected.Skip(1));
        if (!matches)
        {
            throw new InvalidDataException(
                $"{path}'s {role} '{name}' is {node.ElementType?.Name} [{string.Join(", ", dims)}], but its metadata promises float32 "
                + $"[N, {string.Join(", ", expected.Skip(1))}]: the file and its metadata disagree; export it again.");
        }
    }
}
