namespace Pipeline.Inference.Bench;

/// <summary>
/// What one minute of a soak saw, by the minute each request started: good requests answered and failed (with their
/// latencies), bad requests refused with a 4xx and mishandled (anything else), and the server's resident memory at the
/// minute's end. Safe to record into from many clients at once.
/// </summary>
public sealed class SoakMinute(int minute)
{
    private readonly Lock _gate = new();
    private readonly List<double> _goodLatenciesMs = [];

    /// <summary>The minute's number, from 1.</summary>
    public int Minute { get; } = minute;

    public int GoodAnswered { get; private set; }

    public int GoodFailed { get; private set; }

    public int BadRefused { get; private set; }

    public int BadMishandled { get; private set; }

    /// <summary>The server's resident memory in MiB at the end of the minute; null when it was not read (the server had died).</summary>
    public double? ResidentMiB { get; set; }

    /// <summary>Counts one request by its outcome: the HTTP status, or null when no response came (connection error, timeout).</summary>
    /// <returns>Whether the outcome is what the request deserved.</returns>
    public bool Record(SoakRequest request, int? status, double latencyMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool right = request.Good ? status is >= 200 and < 300 : status is >= 400 and < 500;
        lock (_gate)
        {
            switch (request.Good, right)
            {
                case (true, true):
                    GoodAnswered++;
                    _goodLatenciesMs.Add(latencyMs);
                    break;
                case (true, false):
                    GoodFailed++;
                    break;
                case (false, true):
                    BadRefused++;
                    break;
                default:
                    BadMishandled++;
                    break;
            }
        }
        return right;
    }

    /// <summary>The good requests' latency below which <paramref name="fraction"/> of them finished (nearest rank), or NaN.</summary>
    public double GoodLatencyPercentile(double fraction)
    {
        lock (_gate)
        {
            return Percentiles.NearestRank(_goodLatenciesMs, fraction);
        }
    }
}
