using Pipeline.Training.Evaluation;
using Pipeline.Training.Export;

namespace Pipeline.Training.Pretraining;

/// <summary>What a <see cref="PretrainJob"/> did: the training, the evaluation, the exported encoder and the report.</summary>
/// <param name="Training">What training reached, and its final checkpoint.</param>
/// <param name="Evaluations">The evaluation's results, written to the run's <c>eval/</c>; empty when none was asked for.</param>
/// <param name="Export">The exported <c>encoder.onnx</c>, parity-checked.</param>
/// <param name="Report">The report's files, its README.md last.</param>
public sealed record PretrainJobResult(PretrainResult Training, IReadOnlyList<EvaluationResult> Evaluations, ExportResult Export,
    IReadOnlyList<string> Report);
