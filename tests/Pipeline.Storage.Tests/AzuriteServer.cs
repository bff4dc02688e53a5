using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pipeline.Storage;
using Pipeline.Tests;

namespace Pipeline.Storage.Tests;

/// <summary>
/// A real Azurite blob service (npm <c>azurite</c>, installed in tests/node by <c>make setup</c>) on a free loopback port
/// with its data in a temporary folder; the fault tests kill it and start it again on the same port and folder.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    // Azurite's well-known development account (public, documented by Microsoft; not a secret).
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempDirectory _data = new();
    private readonly int _port = FreePort();
    private Process? _process;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_port}/{Account};";

    /// <summary>Short delays so that the tests ride out a restart quickly; enough retries to outlast a few seconds of outage.</summary>
    public static ArtifactStoreOptions FastRetries { get; } = new()
    {
        Resilience = new ArtifactStoreResilienceOptions
        {
            MaxRetryAttempts = 30,
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(1),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(1),
        },
        TransferChunkBytes = 1 << 20,
    };

    /// <summary>A store on a fresh container of this server.</summary>
    public AzureBlobArtifactStore NewStore(string? container = null, ArtifactStoreOptions? options = null) =>
        AzureBlobArtifactStore.FromConnectionString(ConnectionString, container ?? NewContainerName(), options ?? FastRetries);

    public static string NewContainerName() => "test-" + Guid.NewGuid().ToString("N")[..16];

    public async Task InitializeAsync() => await StartAsync();

    public Task DisposeAsync()
    {
        Kill();
        _data.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Starts Azurite and waits until it answers HTTP.</summary>
    public async Task StartAsync()
    {
        string executable = RepositoryRoot.Combine("tests", "node", "node_modules", ".bin", "azurite-blob");
        Assert.True(File.Exists(executable),
            $"Azurite is not installed ({executable} is missing): run `make setup` (it runs npm ci in tests/node), then the tests again.");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _data.Path, "--silent", "--skipApiVersionCheck",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("azurite-blob did not start");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        _process = process;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                Assert.Fail($"azurite-blob exited with {process.ExitCode} on port {_port}: {await errors}");
            }
            try
            {
                using HttpResponseMessage answer = await client.GetAsync($"http://127.0.0.1:{_port}/{Account}?comp=list");
                return; // any answer (403 without a signature) means it is serving
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
            catch (TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }
        Assert.Fail($"azurite-blob did not answer on port {_port} within 30 s.");
    }

    /// <summary>Waits until Azurite has saved its metadata (every 5 s) after now, so that a kill cannot undo what came before.</summary>
    public async Task WaitForMetadataSaveAsync()
    {
        string database = Path.Combine(_data.Path, "__azurite_db_blob__.json");
        DateTime before = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(database) && File.GetLastWriteTimeUtc(database) > before) && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
        }
        Assert.True(File.GetLastWriteTimeUtc(database) > before, "Azurite did not save its metadata within 15 s.");
    }

    /// <summary>Kills Azurite at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
            process.Dispose();
            _process = null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
