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
    public static double MaxAbsDifference(Encoder encoder, ModelProto model, Tensor pixels) =>
        MaxAbsDifference(encoder, encoder.forward, model, EncoderOnnxGraph.EmbeddingOutput, pixels);

    /// <summary>
    /// The largest absolute difference between <paramref name="forward"/> (with <paramref name="network"/> in eval
    /// mode) and the model's output <paramref name="output"/> on <paramref name="pixels"/>; infinity as above.
    /// </summary>
    public static double MaxAbsDifference(nn.Module network, Func<Tensor, Tensor> forward, ModelProto model, string output, Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.dim() != 4 || pixels.dtype != ScalarType.Float32 || pixels.shape[0] < 1)
        {
            throw new ArgumentException(
                $"Parity images must be float32 [n, C, H, W] with n ≥ 1, not {pixels.dtype} [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        }
        (float[] expected, long[] expectedShape) = TorchOutput(network, forward, pixels);
        (float[] actual, long[] actualShape) = OnnxOutput(model, output, pixels);
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

    private static (float[] Values, long[] Shape) TorchOutput(nn.Module network, Func<Tensor, Tensor> forward, Tensor pixels)
    {
        bool wasTraining = network.training;
        network.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Device device = network.parameters().FirstOrDefault()?.device ?? CPU;
            Tensor values = forward(pixels.to(device)).cpu().contiguous();
            return (values.data<float>().ToArray(), values.shape);
        }
        finally
        {
            network.train(wasTraining);
        }
    }

    private static (float[] Values, long[] Shape) OnnxOutput(ModelProto model, string output, Tensor pixels)
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
            runOptions, [EncoderOnnxGraph.PixelsInput], [inputValue], [output]);
        OrtValue values = outputs[0];
        return (values.GetTensorDataAsSpan<float>().ToArray(), values.GetTensorTypeAndShape().Shape);
    }
}
