using System.CommandLine;

namespace Pipeline.Training.Cli;

/// <summary>The <c>pipeline-train</c> command and its verbs.</summary>
public static class TrainCommand
{
    public static RootCommand Create() => new("pipeline-train: self-supervised pretraining of image encoders on TorchSharp.")
    {
        PretrainCommand.Create(),
        DistillCommand.Create(),
        FixMatchCommand.Create(),
        EvaluateCommand.Create(),
        ExportCommand.Create(),
        ReportCommand.Create(),
        PublishCommand.Create(),
        NightlyCommand.Create(),
    };
}
