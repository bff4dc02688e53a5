using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// A small, fast CNN for 28×28 and 32×32 images, the CPU default: four 3×3 convolutions with batch norm and ReLU
/// (widths D/4 | D/2, D/2 | D), 2×2 max-pooling after the first and third, then global average pooling to the D-wide h.
/// </summary>
/// <remarks>
/// Only the first, narrowest convolution runs at full resolution: that keeps a forward pass at 14.6 M multiply-adds
/// per 28×28 image at D = 128 (a SimCLR step costs three passes over two views) while the last layer still sees
/// 22×22 pixels, most of the image.
/// </remarks>
public sealed class ConvNetEncoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly InputNormalization normalization;
    private readonly Sequential features;

    public ConvNetEncoder(EncoderSpec spec) : base(nameof(ConvNetEncoder), spec)
    {
        spec.Validate();
        if (spec.EmbeddingDim % 4 != 0 || spec.EmbeddingDim < 8)
        {
            throw new ArgumentException(
                $"convnet needs an embedding width that is a multiple of 4 and at least 8, not {spec.EmbeddingDim}.");
        }
        int width1 = spec.EmbeddingDim / 4;
        int width2 = spec.EmbeddingDim / 2;
        normalization = new InputNormalization(spec.Mean, spec.Std);
        features = nn.Sequential(
            ("conv1", nn.Conv2d(spec.InputChannels, width1, 3, padding: 1, bias: false)),
            ("bn1", nn.BatchNorm2d(width1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(width1, width2, 3, padding: 1, bias: false)),
            ("bn2", nn.BatchNorm2d(width2)),
            ("relu2", nn.ReLU()),
            ("conv3", nn.Conv2d(width2, width2, 3, padding: 1, bias: false)),
            ("bn3", nn.BatchNorm2d(width2)),
            ("relu3", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("conv4", nn.Conv2d(width2, spec.EmbeddingDim, 3, padding: 1, bias: false)),
            ("bn4", nn.BatchNorm2d(spec.EmbeddingDim)),
            ("relu4", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        // [N, C, H, W] → [N, D]
        using Tensor normalized = normalization.forward(pixels);
        return features.forward(normalized);
    }
}
