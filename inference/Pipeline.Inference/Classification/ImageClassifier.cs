using Microsoft.Extensions.Logging;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx;

namespace Pipeline.Inference.Classification;

/// <summary>
/// A fine-tuned classifier (<c>inference_model.onnx</c> from <c>pipeline-infer finetune</c>) loaded into ONNX Runtime:
/// the embedding model's contract plus outputs <c>logits</c> and <c>probabilities</c> [N, C] and the class names in
/// its metadata.
/// </summary>
/// <remarks>
/// Thread-safe, like <see cref="EmbeddingModel"/>: any number of threads may classify at once, and
/// <see cref="OnnxRuntimeModel.Dispose"/> waits for the calls in flight (see <see cref="OnnxRuntimeModel"/>).
/// </remarks>
public sealed class ImageClassifier : OnnxRuntimeModel
{
    public const string LogitsOutput = ClassifierMetadata.LogitsOutput;
    public const string ProbabilitiesOutput = ClassifierMetadata.ProbabilitiesOutput;

    private const string ModelKind = "a classifier from pipeline-infer finetune";

    private ImageClassifier(LoadedModel loaded, ClassifierMetadata classifier)
        : base(loaded, ProbabilitiesOutput)
    {
        Classifier = classifier;
    }

    /// <summary>The class names and the fine-tune summary.</summary>
    public ClassifierMetadata Classifier { get; }

    /// <summary>The class names, indexed like the probabilities.</summary>
    public IReadOnlyList<string> ClassNames => Classifier.ClassNames;

    /// <summary>Loads and checks a classifier file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">
    /// The file's hash is not the expected one, or it is not a classifier of this pipeline; the message says what is missing.
    /// </exception>
    public static ImageClassifier Load(string path, EmbeddingModelOptions? options = null, ILogger? logger = null) =>
        Open(ReadModelFile(path, "the inference_model.onnx that pipeline-infer finetune wrote"), path, options, logger, loaded =>
        {
            ClassifierMetadata classifier = ReadMetadata(loaded, ClassifierMetadata.FromProperties);
            long[] shape = [-1, classifier.ClassNames.Count];
            RequireOutput(loaded, LogitsOutput, shape, ModelKind);
            RequireOutput(loaded, ProbabilitiesOutput, shape, ModelKind);
            return new ImageClassifier(loaded, classifier);
        });

    /// <summary>Class probabilities of N images: <paramref name="pixels"/> [N, C, H, W] in [0, 1] → <paramref name="probabilities"/> [N, classes].</summary>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    public void Classify(ReadOnlyMemory<float> pixels, Memory<float> probabilities)
    {
        int size = InputShape.Size, classes = ClassNames.Count;
        int count = pixels.Length / size;
        if (count == 0 || pixels.Length != count * size || probabilities.Length != count * classes)
        {
            throw new ArgumentException(
                $"{pixels.Length} floats are not whole {InputShape} images, or {probabilities.Length} floats are not their {classes} probabilities each.");
        }
        Run(pixels, count, probabilities, classes);
    }

    /// <summary>The most probable class of every image of <paramref name="images"/>, in batches.</summary>
    public int[] Predict(ImageSet images, int batchSize = 256, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        float[] probabilities = Probabilities(images, batchSize, progress, cancellationToken);
        int classes = ClassNames.Count;
        return [.. Enumerable.Range(0, images.Count).Select(i => Argmax.Of(probabilities.AsSpan(i * classes, classes)))];
    }

    /// <summary>The class probabilities of every image of <paramref name="images"/>, [N, classes] row-major, in batches.</summary>
    /// <exception cref="InvalidSettingException">The images are not the shape the classifier takes.</exception>
    public float[] Probabilities(ImageSet images, int batchSize = 256, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.Shape != InputShape)
        {
            throw new InvalidSettingException($"{images.Source} holds {images.Shape} images but the classifier takes {InputShape}.");
        }
        int size = InputShape.Size, classes = ClassNames.Count;
        float[] probabilities = new float[images.Count * classes];
        float[] pixels = new float[Math.Min(batchSize, images.Count) * size];
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, images.Count - start);
            PixelScaling.ToUnitRange(images.Pixels.AsSpan(start * size, count * size), pixels);
            Classify(pixels.AsMemory(0, count * size), probabilities.AsMemory(start * classes, count * classes));
            progress?.Report(start + count);
        }
        return probabilities;
    }
}
