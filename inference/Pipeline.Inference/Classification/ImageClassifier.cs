using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx;

namespace Pipeline.Inference.Classification;

/// <summary>
/// A fine-tuned classifier (<c>inference_model.onnx</c> from <c>pipeline-infer finetune</c>) loaded into ONNX Runtime:
/// the embedding model's contract plus outputs <c>logits</c> and <c>probabilities</c> [N, C] and the class names in
/// its metadata.
/// </summary>
/// <remarks>Thread-safe, like <see cref="EmbeddingModel"/>: the model keeps no per-call state.</remarks>
public sealed class ImageClassifier : IDisposable
{
    public const string LogitsOutput = ClassifierMetadata.LogitsOutput;
    public const string ProbabilitiesOutput = ClassifierMetadata.ProbabilitiesOutput;

    private const string ModelKind = "a classifier from pipeline-infer finetune";

    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames = [EmbeddingModel.InputName];
    private readonly string[] _outputNames = [ProbabilitiesOutput];

    private ImageClassifier(string source, InferenceSession session, SessionOptions sessionOptions, EmbeddingModelMetadata metadata,
        ClassifierMetadata classifier)
    {
        Source = source;
        _session = session;
        _sessionOptions = sessionOptions;
        Metadata = metadata;
        Classifier = classifier;
        InputShape = new ImageShape(metadata.Channels, metadata.Height, metadata.Width);
    }

    /// <summary>The file the model was loaded from.</summary>
    public string Source { get; }

    /// <summary>The encoder's <c>pipeline.*</c> metadata.</summary>
    public EmbeddingModelMetadata Metadata { get; }

    /// <summary>The class names and the fine-tune summary.</summary>
    public ClassifierMetadata Classifier { get; }

    /// <summary>The class names, indexed like the probabilities.</summary>
    public IReadOnlyList<string> ClassNames => Classifier.ClassNames;

    /// <summary>[C, H, W] of one input image.</summary>
    public ImageShape InputShape { get; }

    /// <summary>Loads and checks a classifier file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a classifier of this pipeline; the message says what is missing.</exception>
    public static ImageClassifier Load(string path, EmbeddingModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: give the inference_model.onnx that pipeline-infer finetune wrote.", path);
        }
        byte[] bytes = File.ReadAllBytes(path);
        options ??= new EmbeddingModelOptions();
        if (options.ExpectedSha256 is { } expected && !string.Equals(expected, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{path} is not the file with SHA-256 {expected}.");
        }
        (InferenceSession session, SessionOptions sessionOptions, _) = OrtSessionFactory.Create(bytes, path, options, logger ?? NullLogger.Instance);
        try
        {
            EmbeddingModelMetadata metadata = EmbeddingModel.ReadContract(session, path);
            ClassifierMetadata classifier;
            try
            {
                classifier = ClassifierMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap);
            }
            catch (InvalidDataException error)
            {
                throw new InvalidDataException($"{path}: {error.Message}", error);
            }
            long[] shape = [-1, classifier.ClassNames.Count];
            EmbeddingModel.RequireTensor(session.OutputMetadata, LogitsOutput, shape, "output", path, ModelKind);
            EmbeddingModel.RequireTensor(session.OutputMetadata, ProbabilitiesOutput, shape, "output", path, ModelKind);
            return new ImageClassifier(Path.GetFullPath(path), session, sessionOptions, metadata, classifier);
        }
        catch
        {
            session.Dispose();
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>Class probabilities of N images: <paramref name="pixels"/> [N, C, H, W] in [0, 1] → <paramref name="probabilities"/> [N, classes].</summary>
    public void Classify(ReadOnlyMemory<float> pixels, Memory<float> probabilities)
    {
        int size = InputShape.Size, classes = ClassNames.Count;
        int count = pixels.Length / size;
        if (count == 0 || pixels.Length != count * size || probabilities.Length != count * classes)
        {
            throw new ArgumentException(
                $"{pixels.Length} floats are not whole {InputShape} images, or {probabilities.Length} floats are not their {classes} probabilities each.");
        }
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            System.Runtime.InteropServices.MemoryMarshal.AsMemory(pixels), [count, InputShape.Channels, InputShape.Height, InputShape.Width]);
        using OrtValue output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, probabilities, [count, classes]);
        _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
    }

    /// <summary>The most probable class of every image of <paramref name="images"/>, in batches.</summary>
    public int[] Predict(ImageSet images, int batchSize = 256, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.Shape != InputShape)
        {
            throw new InvalidSettingException($"{images.Source} holds {images.Shape} images but the classifier takes {InputShape}.");
        }
        int size = InputShape.Size, classes = ClassNames.Count;
        int[] predicted = new int[images.Count];
        float[] pixels = new float[Math.Min(batchSize, images.Count) * size];
        float[] probabilities = new float[Math.Min(batchSize, images.Count) * classes];
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, images.Count - start);
            PixelScaling.ToUnitRange(images.Pixels.AsSpan(start * size, count * size), pixels);
            Classify(pixels.AsMemory(0, count * size), probabilities.AsMemory(0, count * classes));
            for (int i = 0; i < count; i++)
            {
                predicted[start + i] = Argmax.Of(probabilities.AsSpan(i * classes, classes));
            }
            progress?.Report(start + count);
        }
        return predicted;
    }

    public void Dispose()
    {
        _session.Dispose();
        _sessionOptions.Dispose();
        _runOptions.Dispose();
    }
}
