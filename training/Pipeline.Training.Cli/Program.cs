using Pipeline.Cli;
using Pipeline.Training.Cli;

return await CliInvocation.RunAsync(TrainCommand.Create(), args);
