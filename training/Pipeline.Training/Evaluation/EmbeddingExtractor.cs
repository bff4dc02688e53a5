using Pipeline.Data;
using Pipeline.Training.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>Runs a frozen encoder (eval mode, no gradients) over an image set and returns the embeddings.</summary>
public static class EmbeddingExtractor
{
    /// <summary>The embeddings h of every image, float32 [N, D] on the CPU, in the set's order.</summary>
    public static Tensor Embed(Encoder encoder, ImageSet images, Device device, int batchSize = 512,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        EncoderSpec spec = encoder.Spec;
        if (images.Channels != spec.InputChannels || images.Height != spec.InputHeight || images.Width != spec.InputWidth)
        {
            throw new ArgumentException(
                $"{images.Source} holds {images.Channels}x{images.Height}x{images.Width} images but the encoder takes {spec.InputChannels}x{spec.InputHeight}x{spec.InputWidth}.");
        }

        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var noGrad = no_grad();
            var batches = new List<Tensor>();
            using var scope = NewDisposeScope();
            int size = images.ImageSize;
            for (int first = 0; first < images.Count; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, images.Count - first);
                byte[] bytes = images.Pixels.AsSpan(first * size, count * size).ToArray();
                // [n, C, H, W] uint8 → float32 in [0, 1] → h [n, D]
                Tensor pixels = tensor(bytes, ScalarType.Byte).reshape(count, spec.InputChannels, spec.InputHeight, spec.InputWidth)
                    .to(device).to(ScalarType.Float32).div_(255f);
                batches.Add(encoder.forward(pixels).cpu());
            }
            Tensor all = batches.Count == 0 ? zeros(0, encoder.EmbeddingDim) : cat(batches, 0);
            return scope.MoveToOuter(all);
        }
        finally
        {
            encoder.train(wasTraining);
        }
    }
}
