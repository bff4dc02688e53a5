using System.Text.Json.Serialization;
using Onnx;

namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// An optimizer's update written into a training graph in standard operators: from each parameter, its gradient and
/// its state slots to the updated parameter and slots, with the learning rate and step number as graph inputs.
/// </summary>
/// <remarks>
/// Serialised in <c>artifacts.json</c> with its hyper-parameters under a <c>kind</c> discriminator. The learning rate is
/// not part of it: it is fed at every step, so a schedule lives in the runner.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(AdamWStep), AdamWStep.KindName)]
[JsonDerivedType(typeof(SgdMomentumStep), SgdMomentumStep.KindName)]
public abstract record OptimizerStep
{
    /// <summary>
    /// The weight decay λ every optimizer takes when none is given: 1e-4, which fine-tuning a head or the last layers on a
    /// few hundred labels has always used (PyTorch's AdamW default, 0.01, is meant for training from scratch).
    /// </summary>
    public const double DefaultWeightDecay = 1e-4;

    /// <summary>The names of the per-parameter state slots, such as <c>adam_m</c>; a slot of parameter p is the value <c>p.slot</c>.</summary>
    [JsonIgnore]
    public abstract IReadOnlyList<string> StateSlots { get; }

    /// <summary>Throws when a hyper-parameter is out of range, naming it and its value.</summary>
    public abstract void Validate();

    /// <summary>
    /// Emits the update of every parameter in <paramref name="parameters"/> and returns, in the same order, the
    /// updated parameter followed by its updated slots (in <see cref="StateSlots"/> order).
    /// </summary>
    /// <param name="builder">The training graph, holding the gradients.</param>
    /// <param name="learningRate">A float32 scalar value: this step's learning rate.</param>
    /// <param name="step">An int64 scalar value: this update's number, counting from 1.</param>
    /// <param name="parameters">What to update.</param>
    public abstract IReadOnlyList<IReadOnlyList<string>> Emit(OnnxGraphBuilder builder, string learningRate, string step,
        IReadOnlyList<ParameterUpdate> parameters);

    /// <summary>Throws unless the weight-decay coefficient is zero or positive and finite.</summary>
    protected static void RequireWeightDecay(double weightDecay)
    {
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"Weight decay must be zero or positive, not {weightDecay}.");
        }
    }

    /// <summary>The step number as float32, for the powers bias corrections take.</summary>
    protected static string StepAsFloat(OnnxGraphBuilder builder, string step) =>
        builder.AddNode("Cast", "optimizer/step_float", [step], [OnnxAttributes.Int("to", (long)TensorProto.Types.DataType.Float)]);
}
