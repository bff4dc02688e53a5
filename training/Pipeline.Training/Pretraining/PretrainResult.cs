namespace Pipeline.Training.Pretraining;

/// <summary>What a finished pretraining run produced.</summary>
/// <param name="Checkpoint">The final checkpoint's path.</param>
/// <param name="Steps">Steps done in all, including those before a resume.</param>
/// <param name="FinalLoss">The loss of the last step.</param>
/// <param name="WallSeconds">Training time of this process (not counting a killed predecessor).</param>
/// <param name="ImagesPerSecond">Mean speed of this process.</param>
public sealed record PretrainResult(string Checkpoint, long Steps, double FinalLoss, double WallSeconds, double ImagesPerSecond);
