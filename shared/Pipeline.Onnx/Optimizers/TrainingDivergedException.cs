using Pipeline.Errors;

namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Thrown when a training loss (pretraining or fine-tuning) stops being a finite number; the message names the step,
/// the learning rate and what the run folder keeps. Retrying with the same settings diverges again: the CLIs add how to
/// retry with a lower learning rate, and exit 4.
/// </summary>
public sealed class TrainingDivergedException(string message) : UserErrorException(message);
