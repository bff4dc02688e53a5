using Pipeline.Training.Evaluation;
using Pipeline.Training.Export;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// What a training job (<see cref="PretrainJob"/>, a student run: <see cref="StudentRun"/>) tells its caller as it goes,
/// each stage as soon as it is done, on the job's thread; every callback is optional.
/// </summary>
public sealed record PretrainJobObserver
{
    /// <summary>Told the training data's URI before the images are loaded.</summary>
    public Action<string>? Loading { get; init; }

    /// <summary>Told what will be trained, before anything is written.</summary>
    public Action<PretrainPlan>? Planned { get; init; }

    /// <summary>Told every step's figures, after they are in <c>metrics.jsonl</c>.</summary>
    public Action<PretrainProgress>? Step { get; init; }

    /// <summary>Told what training reached.</summary>
    public Action<PretrainResult>? Trained { get; init; }

    /// <summary>Told the evaluation's results, when one was asked for.</summary>
    public Action<IReadOnlyList<EvaluationResult>>? Evaluated { get; init; }

    /// <summary>Told the exported encoder.</summary>
    public Action<ExportResult>? Exported { get; init; }
}
