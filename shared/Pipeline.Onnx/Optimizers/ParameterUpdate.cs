namespace Pipeline.Onnx.Optimizers;

/// <summary>One parameter an <see cref="OptimizerStep"/> updates, as values of the training graph.</summary>
/// <param name="Parameter">The parameter's current value.</param>
/// <param name="Gradient">The loss's gradient with respect to it.</param>
/// <param name="State">Its optimizer state slots, in <see cref="OptimizerStep.StateSlots"/> order.</param>
/// <param name="Decays">Whether weight decay applies: false for biases and normalisation parameters.</param>
public sealed record ParameterUpdate(string Parameter, string Gradient, IReadOnlyList<string> State, bool Decays);
