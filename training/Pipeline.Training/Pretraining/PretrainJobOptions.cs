using Pipeline.Training.Evaluation;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// What a <see cref="PretrainJob"/> runs: the pretraining options, the run folder to write, whether to continue the run
/// there, and an evaluation to score before the export.
/// </summary>
public sealed record PretrainJobOptions
{
    /// <summary>What a user may set for the training itself (<see cref="PretrainOptions"/>).</summary>
    public required PretrainOptions Pretrain { get; init; }

    /// <summary>The run folder (<see cref="RunDirectory"/>): run.json, metrics.jsonl, checkpoints/, eval/, encoder.onnx, report/.</summary>
    public required string Output { get; init; }

    /// <summary>Continue the run in <see cref="Output"/> from its newest checkpoint, with the same settings (the learning rate may be lowered).</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Scored after training and before the export, so that the encoder's metadata (and so the registry) and the report
    /// carry its figures; null scores nothing.
    /// </summary>
    public RunEvaluationOptions? Evaluation { get; init; }
}
