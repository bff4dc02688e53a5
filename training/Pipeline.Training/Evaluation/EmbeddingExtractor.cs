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
        encoder.Spec.RequireFits(images);

        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var noGrad = no_grad();
            var batches = new List<Tensor>();
            using var scope = NewDisposeScope();
            for (int first = 0; first < images.Count; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, images.Count - first);
                // [n, C, H, W] in [0, 1] → h [n, D]
                batches.Add(encoder.forward(PixelTensors.FromImages(images, first, count, device)).cpu());
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
