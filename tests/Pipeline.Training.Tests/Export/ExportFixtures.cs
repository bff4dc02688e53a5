using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Export;

/// <summary>Small encoders, real images and provenance for export tests.</summary>
internal static class ExportFixtures
{
    private static readonly Lazy<ImageSet> Test = new(() => FashionMnist.Load(FashionMnistSplit.Test));

    /// <summary>Embedding widths small enough to keep each export under a second on two cores.</summary>
    public static int SmallDim(string architecture) => architecture == "resnet18" ? 64 : 32;

    /// <summary>The input normalisation of <see cref="RandomEncoder"/>.</summary>
    public static ChannelStatistics Statistics => ChannelStatistics.Measure(TinyRun.Images(64));

    public static ExportProvenance Provenance { get; } = new(
        "simclr", "fashion-mnist:train", new Dictionary<string, double>(), "/runs/test", "step-00000002.safetensors",
        new string('0', 64));

    /// <summary>
    /// A fresh encoder whose batch norms have random affine parameters and running statistics, so that folding them
    /// into the convolutions is really exercised (fresh ones are the identity: mean 0, variance 1, γ 1, β 0).
    /// </summary>
    public static Encoder RandomEncoder(string architecture, int seed = 1)
    {
        random.manual_seed(seed);
        ChannelStatistics statistics = Statistics;
        Encoder encoder = EncoderFactory.Create(new EncoderSpec(architecture, 1, 28, 28, SmallDim(architecture), statistics.Mean, statistics.Std));
        using var noGrad = no_grad();
        foreach ((_, nn.Module module) in encoder.named_modules())
        {
            if (module is TorchSharp.Modules.BatchNorm2d batchNorm)
            {
                batchNorm.running_mean!.uniform_(-0.5, 0.5);
                batchNorm.running_var!.uniform_(0.5, 2.0);
                batchNorm.weight!.uniform_(0.5, 1.5);
                batchNorm.bias!.uniform_(-0.5, 0.5);
            }
        }
        encoder.eval();
        return encoder;
    }

    /// <summary>A finished two-step SimCLR run of <paramref name="architecture"/> on 64 Fashion-MNIST images.</summary>
    public static RunDirectory TrainTinyRun(string architecture, string folder)
    {
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 1, batchSize: 32, checkpointEvery: 2, embeddingDim: SmallDim(architecture));
        config = config with { Encoder = config.Encoder with { Architecture = architecture } };
        var run = new RunDirectory(folder);
        new Pretrainer(CPU).Run(config, images, run, resume: false);
        return run;
    }

    /// <summary>The first <paramref name="count"/> Fashion-MNIST test images as float32 [n, 1, 28, 28] in [0, 1].</summary>
    public static Tensor Pixels(int count)
    {
        ImageSet images = Test.Value.Take(count);
        using var scope = NewDisposeScope();
        Tensor pixels = tensor(images.Pixels, ScalarType.Byte).reshape(count, 1, 28, 28).to(ScalarType.Float32).div_(255f);
        return scope.MoveToOuter(pixels);
    }
}
