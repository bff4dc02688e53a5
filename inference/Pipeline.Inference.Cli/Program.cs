using Pipeline.Cli;
using Pipeline.Inference.Cli;

return await CliInvocation.RunAsync(InferCommand.Create(), args);
