using System.Diagnostics;

namespace Pipeline.Training.Tests.Cli;

/// <summary>Runs the built pipeline-train CLI as a child process, as a user would.</summary>
internal static class CliProcess
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "pipeline-train.dll");

    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OMP_NUM_THREADS"] = "2";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    public static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        using Process process = Start(arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pipeline-train {string.Join(' ', arguments)} ran over 5 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
