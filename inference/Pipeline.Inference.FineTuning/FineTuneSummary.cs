using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// What a fine-tune run trained and reached, in a run's words: <c>result.json</c>, and the fine-tune record in the
/// inference model's metadata (<see cref="Pipeline.Runs.RunJson.CamelCase"/> JSON on one line).
/// </summary>
/// <param name="SourceEncoderSha256">The SHA-256 of the encoder fine-tuned.</param>
/// <param name="Data">The dataset URI.</param>
/// <param name="Labels">The labels, as given.</param>
/// <param name="Head">The head.</param>
/// <param name="Unfreeze">What of the encoder trained.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="LearningRate">The peak learning rate.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept.</param>
/// <param name="StoppedEarly">Whether validation stopped training before the last epoch.</param>
/// <param name="TrainingExamples">Labelled examples trained on.</param>
/// <param name="ValidationExamples">Labelled examples held out.</param>
/// <param name="ValidationAccuracy">Validation accuracy of the kept weights, or null without validation.</param>
/// <param name="ValidationLoss">Validation loss of the kept weights, or null without validation.</param>
/// <param name="TrainingLoss">Mean training loss of the last epoch.</param>
/// <param name="TrainingSeconds">Seconds spent training and validating (in the last call, when resumed).</param>
/// <param name="FeatureCachingSeconds">Seconds spent running the frozen prefix once per image.</param>
/// <param name="CreatedUtc">When the run finished.</param>
public sealed record FineTuneSummary(
    string SourceEncoderSha256, string Data, string Labels, HeadSpec Head,
    UnfreezeSpec Unfreeze, FineTuneOptimizer Optimizer, double LearningRate, int Epochs, int BestEpoch, bool StoppedEarly,
    int TrainingExamples, int ValidationExamples, double? ValidationAccuracy, double? ValidationLoss, double TrainingLoss,
    double TrainingSeconds, double FeatureCachingSeconds, DateTimeOffset CreatedUtc)
{
    /// <summary>The summary of a run with settings <paramref name="config"/> that reached <paramref name="result"/>, created now.</summary>
    public static FineTuneSummary Of(FineTuneConfig config, FineTuneResult result)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(result);
        return new FineTuneSummary(config.ModelSha256, config.Data, config.Labels, config.Head, config.Unfreeze, config.Optimizer,
            config.Training.LearningRate, result.Epochs, result.BestEpoch, result.StoppedEarly, result.TrainingExamples, result.ValidationExamples,
            result.ValidationAccuracy, result.ValidationLoss, result.TrainingLoss, result.Training.TotalSeconds, result.FeatureCaching.TotalSeconds,
            DateTimeOffset.UtcNow);
    }
}
