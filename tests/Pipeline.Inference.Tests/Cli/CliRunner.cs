using Pipeline.Inference.Cli;

namespace Pipeline.Inference.Tests.Cli;

/// <summary>Runs <c>pipeline-infer</c> in-process with stdout and stderr captured (tests using it share <see cref="ConsoleCollection"/>).</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        TextWriter stdout = Console.Out, stderr = Console.Error;
        using var capturedOut = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedError);
        try
        {
            int exit = await InferCommand.Create().Parse(args).InvokeAsync();
            return (exit, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
