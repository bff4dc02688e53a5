using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Training.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Export;

/// <summary>Measures how far an exported encoder's embeddings, run by ONNX Runtime, are from TorchSharp's.</summary>
public static class OnnxParity
{
    /// <summary>
    /// The largest absolute difference between the encoder's embeddings (eval mode) and the model's, over the images
    /// <paramref name="pixels"/> (float32 [n, C, H, W] in [0, 1]). Infinity when either side gives NaN or the shapes
    /// differ: such a model is never close.
    /// </summary>
    public static double MaxAbsDifference(Encoder encoder, ModelProto model, Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.dim() != 4 || pixels.dtype != ScalarType.Float32 || pixels.shape[0] < 1)
        {
            throw new ArgumentException(
                $"Parity images must be float32 [n, C, H, W] with n ≥ 1, not {pixels.dtype} [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        }
        (float[] expected, long[] expectedShape) = TorchEmbeddings(encoder, pixels);
        (float[] actual, long[] actualShape) = OnnxEmbeddings(model, pixels);
        if (!expectedShape.SequenceEqual(actualShape))
        {
            return double.PositiveInfinity;
        }
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(difference))
            {
                return double.PositiveInfinity;
            }
            largest = Math.Max(largest, difference);
        }
        return largest;
    }

    private static (float[] Values, long[] Shape) TorchEmbeddings(Encoder encoder, Tensor pixels)
    {
        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Device device = encoder.parameters().FirstOrDefault()?.device ?? CPU;
            Tensor embeddings = encoder.forward(pixels.to(device)).cpu().contiguous();
            return (embeddings.data<float>().ToArray(), embeddings.shape);
        }
        finally
        {
            encoder.train(wasTraining);
        }
    }

    private static (float[] Values, long[] Shape) OnnxEmbeddings(ModelProto model, Tensor pixels)
    {
        float[] input;
        using (var scope = NewDisposeScope())
        {
            input = pixels.detach().cpu().contiguous().data<float>().ToArray();
        }
        using var session = new InferenceSession(model.ToByteArray());
        using var runOptions = new RunOptions();
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, pixels.shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(
            runOptions, [EncoderOnnxGraph.PixelsInput], [inputValue], [EncoderOnnxGraph.EmbeddingOutput]);
        OrtValue embeddings = outputs[0];
        return (embeddings.GetTensorDataAsSpan<float>().ToArray(), embeddings.GetTensorTypeAndShape().Shape);
    }
}
