using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Inference.Bench;

/// <summary>
/// `pipeline-infer serve` as a child process on a free loopback port, optionally pinned to some cores (taskset), with its
/// resident memory read from /proc and its last lines of output kept for when it dies.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private const int KeptLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _recentOutput = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Whether the server process has ended (on its own: this class stops it only in <see cref="Dispose"/>).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The server's last lines of standard output and error, oldest first.</summary>
    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recentOutput)
            {
                return [.. _recentOutput];
            }
        }
    }

    /// <summary>Starts the server and waits until /readyz answers 200 (the model loaded and warmed up).</summary>
    /// <param name="cliDll">The pipeline-infer.dll to run.</param>
    /// <param name="model">The model file to serve.</param>
    /// <param name="serveOptions">More options for <c>serve</c>.</param>
    /// <param name="cpus">A taskset CPU list (such as "0") the server and all its threads run on, or null for any core.</param>
    public static async Task<ServerProcess> StartAsync(string cliDll, string model, IEnumerable<string> serveOptions, string? cpus = null)
    {
        if (!File.Exists(cliDll))
        {
            throw new FileNotFoundException($"{cliDll} does not exist: build it with `make build` (or give --cli).", cliDll);
        }
        int port = FreePort();
        var start = new ProcessStartInfo(cpus is null ? "dotnet" : "taskset") { RedirectStandardError = true, RedirectStandardOutput = true };
        string[] launcher = cpus is null ? [] : ["--cpu-list", cpus, "dotnet"];
        foreach (string argument in (string[])[.. launcher, cliDll, "serve", "--model", model, "--urls", $"http://127.0.0.1:{port}", .. serveOptions])
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = server.Address };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"pipeline-infer serve exited with {process.ExitCode} before it was ready: "
                    + string.Join(Environment.NewLine, server.RecentOutput));
            }
            try
            {
                using HttpResponseMessage ready = await client.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Resident memory now and at its peak, in MiB (VmRSS and VmHWM of /proc/PID/status).</summary>
    public (double Now, double Peak) ResidentMiB()
    {
        string[] status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Read(string key) => double.Parse(status.Single(line => line.StartsWith(key, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > KeptLines)
            {
                _recentOutput.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
