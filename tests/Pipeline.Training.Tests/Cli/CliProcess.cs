using System.Diagnostics;

namespace Pipeline.Training.Tests.Cli;

/// <summary>Runs the built pipeline-train CLI (or, with <see cref="RunInfer"/>, pipeline-infer) as a child process, as a user would.</summary>
internal static class CliProcess
{
    public static Process Start(params string[] arguments) => StartTool("pipeline-train", arguments);

    public static (int ExitCode, string Output, string Error) Run(params string[] arguments) => RunTool("pipeline-train", arguments);

    public static (int ExitCode, string Output, string Error) RunInfer(params string[] arguments) => RunTool("pipeline-infer", arguments);

    private static Process StartTool(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, tool + ".dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OMP_NUM_THREADS"] = "2";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static (int ExitCode, string Output, string Error) RunTool(string tool, string[] arguments)
    {
        using Process process = StartTool(tool, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} ran over 5 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
