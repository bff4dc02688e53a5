using Pipeline.Training.Encoders;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Decoders;

/// <summary>
/// The decoder of the autoencoders (vae, ae, dae): a latent code z [N, L] to one output per pixel [N, C, H, W] — the
/// logits of a Bernoulli likelihood or the mean of a Gaussian one — for any image size the encoders accept.
/// </summary>
/// <remarks>
/// A DCGAN-style generator (Radford et al. 2016): a linear map to a small map of ⌈H / 2^k⌉ × ⌈W / 2^k⌉ at
/// <c>baseWidth</c> channels, with k the fewest doublings that leave the longer side at most 7 pixels (28×28: 7×7 then
/// 14, 28; 32×32: 4×4 then 8, 16, 32); k stages of a stride-2, 4×4 transposed convolution with batch norm and ReLU,
/// halving the channels each time (never below 16); a 3×3 convolution to C channels; then the centre H × W crop of the
/// 2^k-times-larger map, so no side is interpolated. <see cref="For"/> sizes it for an encoder: half the encoder's
/// feature width at the smallest map: for the convnet (D = 128) and 28×28 images, 3.4 M multiply-adds per image, a
/// quarter of the encoder's 14.6 M.
/// </remarks>
/// <example>
/// <code>
/// using var decoder = new ConvDecoder(latentDim: 32, channels: 1, height: 28, width: 28, baseWidth: 64);
/// Tensor logits = decoder.forward(z); // [N, 32] → [N, 1, 28, 28]
/// </code>
/// </example>
public sealed class ConvDecoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The longest side of the map the linear layer writes.</summary>
    public const int MaxStartSide = 7;

    private const int MinWidth = 16;

    // Field names are the state-dict keys.
    private readonly Linear project;
    private readonly Sequential upsample;
    private readonly Conv2d output;
    private readonly long _startChannels;
    private readonly long _startHeight;
    private readonly long _startWidth;

    /// <param name="latentDim">Width L of the code.</param>
    /// <param name="channels">C of the images.</param>
    /// <param name="height">H of the images.</param>
    /// <param name="width">W of the images.</param>
    /// <param name="baseWidth">Channels of the smallest map; the encoder's feature width mirrors it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public ConvDecoder(int latentDim, int channels, int height, int width, int baseWidth) : base(nameof(ConvDecoder))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseWidth);
        Channels = channels;
        Height = height;
        Width = width;
        Stages = StagesFor(Math.Max(height, width));
        _startHeight = CeilingDivide(height, 1 << Stages);
        _startWidth = CeilingDivide(width, 1 << Stages);
        _startChannels = baseWidth;

        project = nn.Linear(latentDim, _startChannels * _startHeight * _startWidth);
        upsample = nn.Sequential();
        long inChannels = _startChannels;
        for (int stage = 1; stage <= Stages; stage++)
        {
            long outChannels = Math.Max(MinWidth, inChannels / 2);
            // Kernel 4, stride 2, padding 1 doubles a side exactly: (s − 1)·2 − 2 + 4 = 2s.
            upsample.append($"deconv{stage}", nn.ConvTranspose2d(inChannels, outChannels, 4, stride: 2, padding: 1, bias: false));
            upsample.append($"bn{stage}", nn.BatchNorm2d(outChannels));
            upsample.append($"relu{stage}", nn.ReLU());
            inChannels = outChannels;
        }
        output = nn.Conv2d(inChannels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The decoder of images of the encoder's input shape from codes of its embedding width.</summary>
    public static ConvDecoder For(LatentEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        EncoderSpec spec = encoder.Spec;
        return new ConvDecoder(encoder.EmbeddingDim, spec.InputChannels, spec.InputHeight, spec.InputWidth,
            Math.Max(MinWidth, encoder.FeatureDim / 2));
    }

    /// <summary>C of the output.</summary>
    public int Channels { get; }

    /// <summary>H of the output.</summary>
    public int Height { get; }

    /// <summary>W of the output.</summary>
    public int Width { get; }

    /// <summary>How many times the start map is doubled.</summary>
    public int Stages { get; }

    /// <summary>The fewest doublings (at least one) that bring a side down to <see cref="MaxStartSide"/> or less.</summary>
    public static int StagesFor(int side)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(side);
        int stages = 1;
        while (CeilingDivide(side, 1 << stages) > MaxStartSide)
        {
            stages++;
        }
        return stages;
    }

    public override Tensor forward(Tensor code)
    {
        using var scope = NewDisposeScope();
        long n = code.shape[0];
        // [N, L] → [N, c·h0·w0] → [N, c, h0, w0] → [N, c', h0·2^k, w0·2^k] → [N, C, h0·2^k, w0·2^k]
        Tensor map = project.forward(code).relu_().reshape(n, _startChannels, _startHeight, _startWidth);
        Tensor full = output.forward(upsample.forward(map));
        // The centre H × W of the map, which is at most 2^k − 1 pixels larger on each side.
        long top = (full.shape[2] - Height) / 2;
        long left = (full.shape[3] - Width) / 2;
        return scope.MoveToOuter(full.narrow(2, top, Height).narrow(3, left, Width));
    }

    private static long CeilingDivide(long value, long divisor) => (value + divisor - 1) / divisor;
}
