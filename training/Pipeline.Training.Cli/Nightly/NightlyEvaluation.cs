using System.Text.Json.Serialization;

namespace Pipeline.Training.Cli.Nightly;

/// <summary>How a nightly candidate is evaluated: the <c>evaluate</c> verb's protocol, label fraction and data.</summary>
/// <param name="Protocol">knn or linear.</param>
/// <param name="Labels">The fraction of training labels, such as 10%.</param>
/// <param name="Data">The test images; null for the training data's test split.</param>
/// <param name="TrainData">The labelled images the classifier learns from; null for the pretraining data.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NightlyEvaluation(string Protocol = "knn", string Labels = "100%", string? Data = null, string? TrainData = null);
