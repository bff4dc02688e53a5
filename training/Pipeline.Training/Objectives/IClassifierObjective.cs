using Pipeline.Training.Encoders;
using TorchSharp.Modules;

namespace Pipeline.Training.Objectives;

/// <summary>
/// An objective that trains a classifier — the encoder plus a linear head over known classes (distill, fixmatch) — which
/// exports as an <c>inference_model.onnx</c> with a fine-tune's contract.
/// </summary>
public interface IClassifierObjective
{
    /// <summary>The encoder f, whose embedding the classifier also outputs.</summary>
    Encoder Encoder { get; }

    /// <summary>The linear head on the embedding: logits over <see cref="ClassNames"/>.</summary>
    Linear Classifier { get; }

    /// <summary>The classes of the logits, in order.</summary>
    IReadOnlyList<string> ClassNames { get; }
}
