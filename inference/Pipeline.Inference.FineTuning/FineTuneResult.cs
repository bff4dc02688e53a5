namespace Pipeline.Inference.FineTuning;

/// <summary>What a fine-tune did and reached; the trained weights are in the <see cref="FineTuner"/>.</summary>
/// <param name="Epochs">Epochs run in all (resumed ones included).</param>
/// <param name="Steps">Updates made in all.</param>
/// <param name="StoppedEarly">Whether validation stopped training before the last epoch.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (the last one without validation).</param>
/// <param name="TrainingLoss">Mean training loss of the last epoch run.</param>
/// <param name="ValidationLoss">Validation loss of the kept weights, or null without validation.</param>
/// <param name="ValidationAccuracy">Validation accuracy of the kept weights, or null without validation.</param>
/// <param name="TrainingExamples">Labelled examples trained on.</param>
/// <param name="ValidationExamples">Labelled examples held out.</param>
/// <param name="ClassBalanced">Whether epochs were class-balanced.</param>
/// <param name="FeatureCaching">Time spent running the frozen prefix once per image; zero when the artifacts take pixels.</param>
/// <param name="Training">Time spent training and validating in this call.</param>
/// <param name="ResumedFromEpoch">The epochs a checkpoint had already run when this call resumed it; 0 for a fresh start.</param>
public sealed record FineTuneResult(int Epochs, long Steps, bool StoppedEarly, int BestEpoch, double TrainingLoss, double? ValidationLoss,
    double? ValidationAccuracy, int TrainingExamples, int ValidationExamples, bool ClassBalanced, TimeSpan FeatureCaching,
    TimeSpan Training, int ResumedFromEpoch);
