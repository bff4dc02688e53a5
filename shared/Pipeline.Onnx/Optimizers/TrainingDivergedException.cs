namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Thrown when a training loss (pretraining or fine-tuning) stops being a finite number; the message names the step,
/// the learning rate and what to change. Retrying with the same settings diverges again.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
