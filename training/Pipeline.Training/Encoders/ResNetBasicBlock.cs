using Pipeline.Training.MixedPrecision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// The basic residual block of ResNet-18/34 (He et al. 2016): two 3×3 convolutions with batch norm, and a 1×1
/// projection shortcut when the stride or width changes.
/// </summary>
public sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict keys.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? shortcut;

    public ResNetBasicBlock(int inChannels, int outChannels, int stride) : base(nameof(ResNetBasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            shortcut = nn.Sequential(
                ("conv", nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("bn", nn.BatchNorm2d(outChannels)));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor residual = bn2.forward(Autocast.Conv2d(conv2, bn1.forward(Autocast.Conv2d(conv1, input)).relu_()));
        Tensor identity = shortcut is null ? input : Autocast.Run(shortcut, input);
        return scope.MoveToOuter(residual.add_(identity).relu_());
    }
}
