using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pipeline.Storage;

namespace Pipeline.Storage.Tests;

/// <summary>
/// A real Azurite blob service (npm <c>azurite</c>, installed in tests/node by <c>make setup</c>) on a loopback port with
/// its data in a given folder, which can be killed (SIGKILL) and started again on the same port and folder. The storage
/// tests (their AzuriteServer) and the storage fault benchmark share it.
/// </summary>
/// <param name="executable">The <c>azurite-blob</c> script to run.</param>
/// <param name="dataFolder">Where Azurite keeps its blobs and metadata.</param>
public sealed class AzuriteProcess(string executable, string dataFolder) : IDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft; not a secret).
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromSeconds(15);
    private const string HeartbeatContainer = "heartbeat";

    private readonly int _port = FreePort();
    private Process? _process;

    /// <summary>Short delays so that a store rides out a restart quickly; enough retries to outlast a few seconds of outage.</summary>
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

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_port}/{Account};";

    /// <summary>Starts Azurite and waits until it answers HTTP.</summary>
    /// <exception cref="FileNotFoundException">Azurite is not installed.</exception>
    /// <exception cref="InvalidOperationException">It exited, or did not answer within 30 s.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException(
                $"Azurite is not installed ({executable} is missing): run `make setup` (it runs npm ci in tests/node).", executable);
        }
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["--blobHost", "127.0.0.1", "--blobPort", _port.ToString(CultureInfo.InvariantCulture),
            "--location", dataFolder, "--silent", "--skipApiVersionCheck"])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("azurite-blob did not start");
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _process = process;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"azurite-blob exited with {process.ExitCode} on port {_port}: {await errors}");
            }
            try
            {
                using HttpResponseMessage answer = await client.GetAsync($"http://127.0.0.1:{_port}/{Account}?comp=list", cancellationToken);
                return; // any answer (403 without a signature) means it is serving
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        throw new InvalidOperationException($"azurite-blob did not answer on port {_port} within {StartTimeout.TotalSeconds} s.");
    }

    /// <summary>
    /// When Azurite last saved its metadata (every 5 s, when something changed); a kill undoes what came after. 1601 when
    /// it has not saved yet.
    /// </summary>
    public DateTime MetadataSavedUtc => File.GetLastWriteTimeUtc(Path.Combine(dataFolder, "__azurite_db_blob__.json"));

    /// <summary>
    /// Makes Azurite save its metadata and waits for it, so that a kill cannot undo any write acknowledged before. Azurite
    /// saves every 5 s only when something changed, and a save may fall between the last write and this call, after which
    /// none would come: so one small write first, then the first save after that write began (it holds every write before).
    /// </summary>
    /// <exception cref="InvalidOperationException">It did not save within 15 s.</exception>
    public async Task SaveMetadataAsync(CancellationToken cancellationToken = default)
    {
        DateTime before = DateTime.UtcNow;
        IArtifactStore store = AzureBlobArtifactStore.FromConnectionString(ConnectionString, HeartbeatContainer, FastRetries);
        using (var beat = new MemoryStream(BitConverter.GetBytes(before.Ticks)))
        {
            await store.PutAsync(HeartbeatContainer, beat, ArtifactCondition.None, cancellationToken);
        }
        var clock = Stopwatch.StartNew();
        while (MetadataSavedUtc <= before && clock.Elapsed < SaveTimeout)
        {
            await Task.Delay(50, cancellationToken);
        }
        if (MetadataSavedUtc <= before)
        {
            throw new InvalidOperationException($"Azurite did not save its metadata within {SaveTimeout.TotalSeconds} s.");
        }
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

    public void Dispose() => Kill();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
