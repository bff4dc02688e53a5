using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>
/// The options the <c>distill</c> and <c>fixmatch</c> verbs share: those of a student run (<see cref="StudentRun"/>: a
/// classifier trained from a pretrained encoder, exported as an <c>inference_model.onnx</c> with a fine-tune's contract).
/// </summary>
internal static class StudentTraining
{
    /// <summary>--epochs: passes over the images.</summary>
    public static Option<int> Epochs() => OptionRules.Positive(
        new Option<int>("--epochs") { Description = "Passes over the images.", DefaultValueFactory = _ => StudentRun.DefaultEpochs });

    /// <summary>--lr: Adam's peak learning rate.</summary>
    public static Option<double> LearningRate() => OptionRules.Positive(new Option<double>("--lr")
    {
        Description = "Peak learning rate of Adam (decoupled weight decay) after the warm-up; cosine decay to 0.",
        DefaultValueFactory = _ => StudentRun.DefaultLearningRate,
    });

    /// <summary>--weight-decay: Adam's decoupled weight decay.</summary>
    public static Option<double> WeightDecay() => OptionRules.NonNegative(new Option<double>("--weight-decay")
    {
        Description = "Weight decay on weights (never biases or batch norm).",
        DefaultValueFactory = _ => StudentRun.DefaultWeightDecay,
    });
}
