using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Tests.Pretraining;

/// <summary>Small, fast pretraining configurations on the first images of Fashion-MNIST.</summary>
internal static class TinyRun
{
    private static readonly Lazy<ImageSet> Train = new(() => FashionMnist.Load(FashionMnistSplit.Train));

    public static ImageSet Images(int count) => Train.Value.Take(count);

    /// <summary>A run of <paramref name="method"/> with its default settings (latent width 8 for the autoencoders) and optimizer.</summary>
    public static PretrainConfig Config(ImageSet images, int epochs = 2, int batchSize = 32, int checkpointEvery = 3,
        int embeddingDim = 32, OptimizerKind? optimizerKind = null, string method = "simclr")
    {
        ChannelStatistics statistics = ChannelStatistics.Measure(images);
        long stepsPerEpoch = (images.Count + batchSize - 1) / batchSize;
        OptimizerKind optimizer = optimizerKind ?? PretextMethods.DefaultOptimizer(method);
        return new PretrainConfig
        {
            Method = Settings(method),
            Data = "fashion-mnist:train",
            Limit = images.Count,
            Encoder = new EncoderSpec("convnet", 1, 28, 28, embeddingDim, statistics.Mean, statistics.Std),
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = 7,
            Optimizer = new OptimizerSettings(optimizer, OptimizerSettings.DefaultLearningRate(optimizer, batchSize), 0.9,
                OptimizerSettings.DefaultWeightDecay(optimizer), stepsPerEpoch / 2),
            CheckpointEvery = checkpointEvery,
        };
    }

    /// <summary>The default settings of the self-supervised <paramref name="method"/>, with a projection of 16 or a latent code of 8.</summary>
    public static MethodSettings Settings(string method) => method switch
    {
        "simclr" => SimClrSettings.Default with { ProjectionDim = 16 },
        "vae" => VaeSettings.Default with { LatentDim = 8 },
        "ae" => AutoencoderSettings.Default with { LatentDim = 8 },
        "dae" => DenoisingSettings.Default with { LatentDim = 8 },
        "rotation" => new RotationSettings(),
        _ => throw new ArgumentException($"No tiny settings for {method}.", nameof(method)),
    };
}
