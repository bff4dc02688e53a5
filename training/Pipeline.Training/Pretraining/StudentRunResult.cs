using Pipeline.Training.Export;

namespace Pipeline.Training.Pretraining;

/// <summary>What a student run (<see cref="StudentRun"/>: distill, fixmatch) did: the training, and the classifier exported.</summary>
/// <param name="Training">What training reached, and its final checkpoint.</param>
/// <param name="Export">The exported <c>inference_model.onnx</c>, parity-checked.</param>
public sealed record StudentRunResult(PretrainResult Training, ExportResult Export);
