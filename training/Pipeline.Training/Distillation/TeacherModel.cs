using Microsoft.ML.OnnxRuntime;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using static TorchSharp.torch;

namespace Pipeline.Training.Distillation;

/// <summary>
/// The distillation teacher: a fine-tuned classifier (<c>inference_model.onnx</c> from <c>pipeline-infer finetune</c>)
/// run by ONNX Runtime on the student's training views, giving its logits.
/// </summary>
/// <remarks>Not thread-safe: one training loop calls it.</remarks>
public sealed class TeacherModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private TeacherModel(InferenceSession session, IReadOnlyList<string> classNames, long[] inputShape)
    {
        _session = session;
        ClassNames = classNames;
        InputShape = inputShape;
    }

    /// <summary>The classes of the teacher's logits, in order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>[C, H, W] of the images it takes.</summary>
    public long[] InputShape { get; }

    /// <summary>Opens the classifier at <paramref name="path"/>, checking that it is one.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a classifier with a <c>pixels</c> input, <c>logits</c> output and class names.</exception>
    public static TeacherModel Load(string path, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The teacher {path} does not exist: give the inference_model.onnx that pipeline-infer finetune wrote.", path);
        }
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException error)
        {
            throw new InvalidDataException($"The teacher {path} is not an ONNX model ONNX Runtime can load: {error.Message}", error);
        }
        try
        {
            if (!session.InputMetadata.TryGetValue(ArtifactsManifest.PixelsInput, out NodeMetadata? input) || input.Dimensions.Length != 4
                || !session.OutputMetadata.ContainsKey(ArtifactsManifest.LogitsOutput))
            {
                throw new InvalidDataException(
                    $"The teacher {path} has inputs [{string.Join(", ", session.InputMetadata.Keys)}] and outputs [{string.Join(", ", session.OutputMetadata.Keys)}], "
                    + $"not a classifier's '{ArtifactsManifest.PixelsInput}' [N, C, H, W] and '{ArtifactsManifest.LogitsOutput}': give the inference_model.onnx that pipeline-infer finetune wrote.");
            }
            ClassifierMetadata classifier = ClassifierMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap);
            return new TeacherModel(session, classifier.ClassNames, input.Dimensions[1..].Select(size => (long)size).ToArray());
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The teacher's logits [N, classes] for <paramref name="pixels"/> (float32 [N, C, H, W] in [0, 1]), on the pixels' device.</summary>
    public Tensor Logits(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (!pixels.shape[1..].SequenceEqual(InputShape))
        {
            throw new ArgumentException(
                $"The teacher takes [N, {string.Join(", ", InputShape)}] images, not [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        }
        float[] input;
        using (var scope = NewDisposeScope())
        {
            input = pixels.detach().cpu().contiguous().data<float>().ToArray();
        }
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, pixels.shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [ArtifactsManifest.PixelsInput], [inputValue], [ArtifactsManifest.LogitsOutput]);
        OrtValue logits = outputs[0];
        return tensor(logits.GetTensorDataAsSpan<float>().ToArray(), logits.GetTensorTypeAndShape().Shape).to(pixels.device);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
