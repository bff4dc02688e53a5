namespace Pipeline.Training.Pretraining;

/// <summary>Thrown when the loss stops being a finite number; the message names the step and what to change.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
