using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Encoders;

/// <summary>
/// An image encoder f: pixels in [0, 1] with layout [N, C, H, W] to the representation h with layout [N, D].
/// </summary>
/// <remarks>
/// The per-channel normalisation is the encoder's first layer (<see cref="InputNormalization"/>), so the encoder's
/// contract is the same as the exported ONNX model's: raw pixels in [0, 1] in, the embedding out. Everything a pretext
/// needs beyond h (projection head, decoder, rotation classifier) lives outside the encoder, so export can leave it out.
/// </remarks>
public abstract class Encoder : nn.Module<Tensor, Tensor>
{
    protected Encoder(string name, EncoderSpec spec) : base(name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
    }

    /// <summary>What this encoder is: architecture name, input shape, embedding width, normalisation.</summary>
    public EncoderSpec Spec { get; }

    /// <summary>Width D of the embedding h.</summary>
    public int EmbeddingDim => Spec.EmbeddingDim;
}
