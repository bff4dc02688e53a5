using Pipeline.Errors;
using Pipeline.Training.MixedPrecision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// ResNet-18 (He et al. 2016) with the small-image stem of SimCLR's CIFAR-10 setting (Chen et al. 2020, Appendix B.9):
/// a 3×3 stride-1 first convolution and no max-pooling. Stage widths D/8, D/4, D/2, D; D = 512 is the original.
/// </summary>
public sealed class ResNet18Encoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly InputNormalization normalization;
    private readonly Sequential stem;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d pool;

    public ResNet18Encoder(EncoderSpec spec) : base(nameof(ResNet18Encoder), spec)
    {
        spec.Validate();
        if (spec.EmbeddingDim % 8 != 0)
        {
            throw new InvalidSettingException($"resnet18 needs an embedding width that is a multiple of 8, not {spec.EmbeddingDim}.");
        }
        int width = spec.EmbeddingDim / 8;
        normalization = new InputNormalization(spec.Mean, spec.Std);
        stem = nn.Sequential(
            ("conv", nn.Conv2d(spec.InputChannels, width, 3, stride: 1, padding: 1, bias: false)),
            ("bn", nn.BatchNorm2d(width)),
            ("relu", nn.ReLU()));
        layer1 = Stage(width, width, 1);
        layer2 = Stage(width, width * 2, 2);
        layer3 = Stage(width * 2, width * 4, 2);
        layer4 = Stage(width * 4, width * 8, 2);
        pool = nn.AdaptiveAvgPool2d(1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        // [N, C, H, W] → [N, D, H/8, W/8] → [N, D]
        Tensor features = Autocast.Begin(normalization.forward(pixels));
        foreach (Sequential layers in new[] { stem, layer1, layer2, layer3, layer4 })
        {
            features = Autocast.Run(layers, features);
        }
        return scope.MoveToOuter(Autocast.End(pool.forward(features).flatten(1)));
    }

    private static Sequential Stage(int inChannels, int outChannels, int stride) => nn.Sequential(
        ("0", new ResNetBasicBlock(inChannels, outChannels, stride)),
        ("1", new ResNetBasicBlock(outChannels, outChannels, 1)));
}
