using Pipeline.Errors;
using Pipeline.Training.MixedPrecision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// A small, fast CNN for 28×28 and 32×32 images: stages of 3×3 convolutions with batch norm and ReLU, 2×2 max-pooling
/// between stages, then global average pooling to the D-wide h. <see cref="ConvNetLayout"/> gives the widths.
/// </summary>
/// <remarks>
/// Only the first, narrowest stage runs at full resolution: that keeps the default convnet's forward pass at 14.6 M
/// multiply-adds per 28×28 image at D = 128 (a SimCLR step costs three passes over two views) while its last layer
/// still sees 22×22 pixels, most of the image.
/// </remarks>
public sealed class ConvNetEncoder : Encoder
{
    // Field names are the state-dict keys.
    private readonly InputNormalization normalization;
    private readonly Sequential features;

    public ConvNetEncoder(EncoderSpec spec, ConvNetLayout layout) : base(nameof(ConvNetEncoder), spec)
    {
        ArgumentNullException.ThrowIfNull(layout);
        spec.Validate();
        int divisor = layout.WidthDivisor;
        if (spec.EmbeddingDim % divisor != 0 || spec.EmbeddingDim < 2 * divisor)
        {
            throw new InvalidSettingException(
                $"{layout.Name} needs an embedding width that is a multiple of {divisor} and at least {2 * divisor}, not {spec.EmbeddingDim}.");
        }
        normalization = new InputNormalization(spec.Mean, spec.Std);
        // conv1, bn1, relu1, pool1, conv2, …: the layer names of the original four-convolution convnet, so its
        // checkpoints and exported graphs keep their names.
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int channels = spec.InputChannels;
        int index = 0;
        for (int stage = 0; stage < layout.Stages.Length; stage++)
        {
            if (stage > 0)
            {
                layers.Add(($"pool{stage}", nn.MaxPool2d(2)));
            }
            foreach (int widthDivisor in layout.Stages[stage])
            {
                index++;
                int width = spec.EmbeddingDim / widthDivisor;
                layers.Add(($"conv{index}", nn.Conv2d(channels, width, 3, padding: 1, bias: false)));
                layers.Add(($"bn{index}", nn.BatchNorm2d(width)));
                layers.Add(($"relu{index}", nn.ReLU()));
                channels = width;
            }
        }
        layers.Add(("pool", nn.AdaptiveAvgPool2d(1)));
        layers.Add(("flatten", nn.Flatten()));
        features = nn.Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        // [N, C, H, W] → [N, D]
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(Autocast.End(Autocast.Run(features, Autocast.Begin(normalization.forward(pixels)))));
    }
}
