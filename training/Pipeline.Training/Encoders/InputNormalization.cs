using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>Per-channel (x − mean) / std, with mean and std as buffers so they travel with the weights.</summary>
public sealed class InputNormalization : nn.Module<Tensor, Tensor>
{
    private readonly Tensor mean;
    private readonly Tensor std;

    public InputNormalization(float[] mean, float[] std) : base(nameof(InputNormalization))
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        // Shapes [1, C, 1, 1] broadcast over [N, C, H, W].
        this.mean = tensor(mean).reshape(1, mean.Length, 1, 1);
        this.std = tensor(std).reshape(1, std.Length, 1, 1);
        register_buffer(nameof(mean), this.mean);
        register_buffer(nameof(std), this.std);
    }

    /// <summary>The per-channel mean, [1, C, 1, 1].</summary>
    public Tensor Mean => mean;

    /// <summary>The per-channel standard deviation, [1, C, 1, 1].</summary>
    public Tensor Std => std;

    public override Tensor forward(Tensor pixels) => pixels.sub(mean).div_(std);
}
