using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Tests;

/// <summary>
/// Runs a built CLI, pipeline-train (or, with <see cref="StartInfer"/> and <see cref="RunInfer"/>, pipeline-infer), as a child
/// process, as a user or a scheduler would; each test project runs the CLIs it references.
/// </summary>
internal static class CliProcess
{
    public static Process Start(params string[] arguments) => StartTool("pipeline-train", arguments);

    public static Process StartInfer(params string[] arguments) => StartTool("pipeline-infer", arguments);

    public static (int ExitCode, string Output, string Error) Run(params string[] arguments) => RunTool("pipeline-train", arguments);

    public static (int ExitCode, string Output, string Error) RunInfer(params string[] arguments) => RunTool("pipeline-infer", arguments);

    /// <summary>
    /// Runs pipeline-embed, the embedding CLI for devices, from its own build output: beside the test binaries it would
    /// find ASP.NET Core's framework in place of the packages it ships with.
    /// </summary>
    public static (int ExitCode, string Output, string Error) RunEmbed(params string[] arguments) =>
        OutsideClient.Run("dotnet", [Path.Combine(RepositoryRoot.BuildOutputOf("inference", "Pipeline.Inference.Embed"), "pipeline-embed.dll"), .. arguments]);

    /// <summary>Sends <paramref name="signal"/> (TERM, INT) to the process, as Kubernetes or Ctrl+C would.</summary>
    public static void Signal(Process process, string signal)
    {
        (int exitCode, _, string error) = OutsideClient.Run("kill", "-s", signal, process.Id.ToString(CultureInfo.InvariantCulture));
        Assert.True(exitCode == 0, error);
    }

    /// <summary>Waits until <paramref name="done"/> holds (true) or the process has exited or two minutes passed (false).</summary>
    public static bool WaitWhileRunning(Process process, Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }

    private static Process StartTool(string tool, string[] arguments)
    {
        // Through env, which then becomes dotnet (same process): the children of a background job inherit SIGINT
        // ignored, and the runtime keeps an inherited ignore, so without the reset Ctrl+C could not be tested there.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
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
