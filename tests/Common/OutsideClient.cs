using System.Diagnostics;

namespace Pipeline.Tests;

/// <summary>
/// Runs the clients outside .NET that judge our ONNX files: Debian's onnx checker (system Python) and
/// onnxruntime-node (tests/node). Linked into every test project that needs them.
/// </summary>
internal static class OutsideClient
{
    // Debian's python3-onnx lives in the system interpreter; a `python3` earlier on the PATH may lack it.
    public const string SystemPython = "/usr/bin/python3";

    /// <summary>
    /// Checks a model with <c>onnx.checker.check_model(full_check=True)</c> and prints its opset, every operator
    /// domain its nodes use (one <c>domain:NAME</c> line each, <c>ai.onnx</c> for the default) and its metadata keys.
    /// </summary>
    public const string CheckScript = """
        import sys, onnx
        model = onnx.load(sys.argv[1])
        onnx.checker.check_model(model, full_check=True)
        print("opset", model.opset_import[0].version)
        for domain in sorted({node.domain or "ai.onnx" for node in model.graph.node} | {o.domain or "ai.onnx" for o in model.opset_import}):
            print("domain:" + domain)
        for entry in model.metadata_props:
            print(entry.key)
        """;

    /// <summary>Runs Debian's full onnx check on <paramref name="model"/>; returns its output, failing the test when it rejects the model.</summary>
    public static string CheckModel(string model)
    {
        (int exitCode, string stdout, string stderr) = Run(SystemPython, "-c", CheckScript, model);
        Assert.True(exitCode == 0, $"onnx.checker rejected {Path.GetFileName(model)}: {stderr}");
        return stdout;
    }

    /// <summary>tests/node with onnxruntime-node installed (`npm ci` there; .ci/run and make setup do it).</summary>
    public static string NodeFolder()
    {
        string folder = RepositoryRoot.Combine("tests", "node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "onnxruntime-node")),
            $"onnxruntime-node is not installed: run `npm ci --ignore-scripts` in {folder} (make setup and .ci/run do).");
        return folder;
    }

    /// <summary>Runs a program to its end (two minutes at most) and returns its exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, params string[] arguments) =>
        Run(program, arguments, environment: null, TimeSpan.FromMinutes(2));

    /// <summary>
    /// Runs a program to its end with <paramref name="environment"/> added to ours, for <paramref name="timeout"/> at most,
    /// and returns its exit code, stdout and stderr.
    /// </summary>
    public static (int ExitCode, string Output, string Error) Run(string program, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} ran over {timeout.TotalMinutes:F0} minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
