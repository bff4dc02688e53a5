using Pipeline.Cli;
using Pipeline.Inference.Embed;

return await CliInvocation.RunAsync(EmbedFilesCommand.Create(), args);
