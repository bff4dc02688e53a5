using System.CommandLine;
using Pipeline.Training.Cli;

var root = new RootCommand("pipeline-train: self-supervised pretraining of image encoders on TorchSharp.")
{
    PretrainCommand.Create(),
    EvaluateCommand.Create(),
    ExportCommand.Create(),
    ReportCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
