using Microsoft.Extensions.Logging;
using Pipeline.Data;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference;

/// <summary>
/// An exported embedding model (<c>encoder.onnx</c>) loaded into ONNX Runtime: reads the contract's metadata, checks
/// inputs against it and turns batches of images into embeddings.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may call <see cref="Embed(ReadOnlyMemory{float}, Memory{float})"/> at once,
/// and <see cref="OnnxRuntimeModel.Dispose"/> waits for the calls in flight (see <see cref="OnnxRuntimeModel"/>).</para>
/// <para>A caller that reuses its buffers (as <see cref="Batching.DynamicBatcher"/> does) allocates nothing per image:
/// the model runs over them, pinned, not copied.</para>
/// </remarks>
public sealed class EmbeddingModel : OnnxRuntimeModel
{
    /// <summary>The contract's output: float32 [N, D].</summary>
    public const string OutputName = "embedding";

    private EmbeddingModel(LoadedModel loaded, string precision)
        : base(loaded, OutputName)
    {
        Precision = precision;
    }

    /// <summary>
    /// The number format it computes in: <see cref="PrecisionMetadata.ReferenceName"/> (fp32), or a precision variant's
    /// (<c>int8</c>, <c>fp16</c>) as its <see cref="PrecisionMetadata"/> says.
    /// </summary>
    public string Precision { get; }

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
    /// <exception cref="Errors.InvalidSettingException"><see cref="ExecutionProvider.Cuda"/> was asked for and cannot run here.</exception>
    public static EmbeddingModel Load(string path, EmbeddingModelOptions? options = null, ILogger? logger = null) =>
        Load(ReadModelFile(path, "the encoder.onnx that pipeline-train export wrote"), path, options, logger);

    /// <summary>
    /// Loads and checks a model held in memory, such as one made and not yet written; <paramref name="source"/> names it
    /// in errors and as <see cref="OnnxRuntimeModel.Source"/>.
    /// </summary>
    /// <inheritdoc cref="Load(string, EmbeddingModelOptions?, ILogger?)"/>
    internal static EmbeddingModel Load(byte[] bytes, string source, EmbeddingModelOptions? options = null, ILogger? logger = null) =>
        Open(bytes, source, options, logger, loaded => new EmbeddingModel(loaded, ReadMetadata(loaded, PrecisionOf)));

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

        Run(pixels, count, embeddings, EmbeddingDim);
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
    /// <param name="pixels">The images' bytes, a whole number of <see cref="OnnxRuntimeModel.InputShape"/> images.</param>
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

    private static string PrecisionOf(IReadOnlyDictionary<string, string> properties) =>
        PrecisionMetadata.FromProperties(properties) is { } variant ? PrecisionMetadata.NameOf(variant.Precision) : PrecisionMetadata.ReferenceName;
}
