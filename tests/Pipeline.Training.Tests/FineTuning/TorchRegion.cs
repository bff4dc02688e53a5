using Pipeline.Data;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.FineTuning;

/// <summary>
/// The trainable region of the exported encoders and the head, written by hand in TorchSharp over the artifacts' own
/// parameters (batch norm already folded into the convolutions by the export): the reference the artifacts' graphs
/// are checked against (tests) and timed against (bench/Pipeline.Bench links this file).
/// </summary>
internal sealed class TorchRegion
{
    private readonly ArtifactsManifest _manifest;
    private readonly Tensor? _mean;
    private readonly Tensor? _std;
    private readonly ChannelStatistics? _normalization;

    /// <param name="manifest">The artifacts' manifest: which parameters, in which order.</param>
    /// <param name="values">Their values.</param>
    /// <param name="standardization">The head's input standardisation.</param>
    /// <param name="normalization">The encoder's input normalisation, for a region that starts at the pixels.</param>
    public TorchRegion(ArtifactsManifest manifest, IReadOnlyDictionary<string, float[]> values, EmbeddingStandardization? standardization,
        ChannelStatistics? normalization = null)
    {
        _manifest = manifest;
        _normalization = normalization;
        Parameters = manifest.Parameters
            .Select(parameter => (parameter.Name, new Parameter(tensor(values[parameter.Name]).reshape(parameter.Shape))))
            .ToArray();
        if (standardization is not null)
        {
            _mean = tensor(standardization.Mean);
            _std = tensor(standardization.Std);
        }
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <summary>
    /// Logits of the region's input (the frozen prefix's output, or the pixels when every layer trains): the encoder's
    /// trained layers and pooling (else the input is the embedding), the standardisation, the head.
    /// </summary>
    public Tensor Forward(string architecture, Tensor features)
    {
        Tensor[] encoder = Parameters.Where((_, i) => _manifest.Parameters[i].Origin == ArtifactParameter.EncoderOrigin).Select(p => (Tensor)p.Parameter).ToArray();
        Tensor h = (encoder.Length, architecture) switch
        {
            (0, _) => features,
            // features.conv4 (+ folded bn4) → relu → global average pool
            (2, "convnet") => Conv(features, encoder[0], encoder[1]).relu().mean([2, 3]),
            // conv3 → relu → max-pool → conv4 → relu → global average pool
            (4, "convnet") => Conv(Pool(Conv(features, encoder[0], encoder[1]).relu()), encoder[2], encoder[3]).relu().mean([2, 3]),
            // normalise → conv1 → relu → max-pool → conv2 → relu → conv3 → relu → max-pool → conv4 → relu → global average pool
            (8, "convnet") => Conv(Pool(Conv(Conv(Pool(Conv(Normalize(features), encoder[0], encoder[1]).relu()), encoder[2], encoder[3]).relu(),
                encoder[4], encoder[5]).relu()), encoder[6], encoder[7]).relu().mean([2, 3]),
            // layer4.1: conv1 → relu → conv2 → + input → relu → global average pool
            (_, "resnet18") => Conv(Conv(features, encoder[0], encoder[1]).relu(), encoder[2], encoder[3]).add(features).relu().mean([2, 3]),
            _ => throw new ArgumentException(architecture),
        };
        if (_mean is not null)
        {
            h = h.sub(_mean).div(_std!);
        }
        Tensor[] head = Parameters.Where((_, i) => _manifest.Parameters[i].Origin == ArtifactParameter.HeadOrigin).Select(p => (Tensor)p.Parameter).ToArray();
        for (int layer = 0; layer < head.Length / 2; layer++)
        {
            h = layer > 0 ? h.relu() : h;
            h = nn.functional.linear(h, head[2 * layer], head[2 * layer + 1]);
        }
        return h;
    }

    /// <summary>torch.optim's own optimizer for the step the artifacts apply: decaying parameters in one, the rest (decay 0) in another.</summary>
    public optim.Optimizer[] Optimizers(OptimizerStep step, double learningRate)
    {
        Parameter[] decaying = Parameters.Where((_, i) => _manifest.Parameters[i].Decays).Select(p => p.Parameter).ToArray();
        Parameter[] others = Parameters.Where((_, i) => !_manifest.Parameters[i].Decays).Select(p => p.Parameter).ToArray();
        return step switch
        {
            AdamWStep adam =>
            [
                optim.AdamW(decaying, learningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay),
                optim.AdamW(others, learningRate, adam.Beta1, adam.Beta2, adam.Epsilon, 0),
            ],
            SgdMomentumStep sgd =>
            [
                optim.SGD(decaying, learningRate, sgd.Momentum, weight_decay: sgd.WeightDecay),
                optim.SGD(others, learningRate, sgd.Momentum),
            ],
            _ => throw new ArgumentException(step.GetType().Name),
        };
    }

    private Tensor Normalize(Tensor pixels) =>
        _normalization is { } statistics
            ? pixels.sub(tensor(statistics.Mean).reshape(1, -1, 1, 1)).div(tensor(statistics.Std).reshape(1, -1, 1, 1))
            : throw new InvalidOperationException("A region that starts at the pixels needs the encoder's input normalisation.");

    private static Tensor Pool(Tensor input) => nn.functional.max_pool2d(input, 2);

    private static Tensor Conv(Tensor input, Tensor weight, Tensor bias) =>
        nn.functional.conv2d(input, weight, bias, padding: [1, 1]);
}
