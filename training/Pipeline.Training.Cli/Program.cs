using Pipeline.Training.Cli;

return await TrainCommand.Create().Parse(args).InvokeAsync();
