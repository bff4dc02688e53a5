using System.CommandLine;
using Pipeline.Cli;

namespace Pipeline.Tests;

/// <summary>
/// Runs a CLI's command line in-process, as its Program does (<see cref="CliInvocation"/>), with stdout and stderr
/// captured; tests using it share <see cref="ConsoleCollection"/>.
/// </summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(RootCommand command, params string[] args)
    {
        TextWriter stdout = Console.Out, stderr = Console.Error;
        using var capturedOut = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedError);
        try
        {
            int exit = await CliInvocation.InvokeAsync(command.Parse(args), CancellationToken.None);
            return (exit, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
