namespace Pipeline.Inference.FineTuning;

/// <summary>Where a fine-tune stands after an epoch.</summary>
/// <param name="Epoch">Epochs finished, from 1.</param>
/// <param name="Epochs">Epochs asked for.</param>
/// <param name="Step">Updates made so far.</param>
/// <param name="TrainingLoss">Mean loss over this epoch's batches.</param>
/// <param name="ValidationLoss">Loss on the validation examples, or null without validation.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation examples in [0, 1], or null without validation.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="Best">Whether this epoch's weights are the best so far (lowest validation loss; always, without validation).</param>
/// <param name="Elapsed">Training time so far, feature caching excluded.</param>
/// <param name="ExamplesPerClass">
/// The training examples of each class this epoch's batches held, by label: equal shares when classes are balanced.
/// </param>
public sealed record FineTuneProgress(int Epoch, int Epochs, long Step, double TrainingLoss, double? ValidationLoss,
    double? ValidationAccuracy, double LearningRate, bool Best, TimeSpan Elapsed, IReadOnlyList<int> ExamplesPerClass);
