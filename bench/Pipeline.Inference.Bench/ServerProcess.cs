using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Inference.Bench;

/// <summary>`pipeline-infer serve` as a child process on a free loopback port, with its resident memory read from /proc.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts the server and waits until /readyz answers 200 (the model loaded and warmed up).</summary>
    public static async Task<ServerProcess> StartAsync(string cliDll, string model, IEnumerable<string> serveOptions)
    {
        if (!File.Exists(cliDll))
        {
            throw new FileNotFoundException($"{cliDll} does not exist: build it with `make build` (or give --cli).", cliDll);
        }
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (string[])[cliDll, "serve", "--model", model, "--urls", $"http://127.0.0.1:{port}", .. serveOptions])
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = server.Address };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"pipeline-infer serve exited with {process.ExitCode} before it was ready.");
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
