using System.Text.Json.Serialization;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Evaluation;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>How a nightly candidate is evaluated: the <c>evaluate</c> verb's protocol, label fraction and data.</summary>
/// <param name="Protocol">knn or linear.</param>
/// <param name="Labels">The fraction of training labels, such as 10%.</param>
/// <param name="Data">The test images; null for the training data's test split.</param>
/// <param name="TrainData">The labelled images the classifier learns from; null for the pretraining data.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NightlyEvaluation(string Protocol = "knn", string Labels = "100%", string? Data = null, string? TrainData = null)
{
    /// <summary>The evaluation these settings ask for, at the evaluate verb's defaults otherwise.</summary>
    /// <exception cref="InvalidSettingException">A setting does not parse; the message names it as the evaluate verb's option.</exception>
    public RunEvaluationOptions Resolve()
    {
        EvaluationProtocol protocol = Protocol switch
        {
            "knn" => EvaluationProtocol.Knn,
            "linear" => EvaluationProtocol.Linear,
            _ => throw new InvalidSettingException($"evaluation.protocol '{Protocol}' is not knn or linear."),
        };
        LabelFraction fraction = Parsed("--labels", Labels, LabelFraction.Parse);
        // The data URIs are checked here and kept as written, as the evaluate verb keeps them.
        foreach ((string option, string? uri) in new[] { ("--test-data", Data), ("--train-data", TrainData) })
        {
            if (uri is not null)
            {
                Parsed(option, uri, DatasetUri.Parse);
            }
        }
        return new RunEvaluationOptions { Evaluations = [(protocol, fraction)], TestData = Data, TrainData = TrainData };
    }

    private static T Parsed<T>(string option, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (InvalidSettingException error)
        {
            throw new InvalidSettingException($"evaluation: {option}: {error.Message}", error);
        }
    }
}
