using Pipeline.Inference.Cli;

return await InferCommand.Create().Parse(args).InvokeAsync();
