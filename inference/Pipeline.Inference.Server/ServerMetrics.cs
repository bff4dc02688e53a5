using Pipeline.Inference.Batching;
using Prometheus;

namespace Pipeline.Inference.Server;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (so servers in one process do not mix): requests and
/// failures by reason, queue time, inference time, batch size, requests in flight, images queued, reloads.
/// </summary>
public sealed class ServerMetrics
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _requests;
    private readonly Counter _failures;
    private readonly Histogram _queueSeconds;
    private readonly Histogram _inferenceSeconds;
    private readonly Histogram _batchSize;
    private readonly Gauge _inFlight;
    private readonly Counter _reloads;

    /// <param name="queuedImages">Reads the images queued now, when metrics are collected.</param>
    public ServerMetrics(Func<double> queuedImages)
    {
        ArgumentNullException.ThrowIfNull(queuedImages);
        IMetricFactory factory = Metrics.WithCustomRegistry(_registry);
        _requests = factory.CreateCounter("pipeline_requests_total", "Requests received, by route.", ["route"]);
        _failures = factory.CreateCounter("pipeline_request_failures_total",
            "Requests refused or failed, by route and reason (the error code of the response).", ["route", "reason"]);
        _queueSeconds = factory.CreateHistogram("pipeline_queue_seconds", "Time a request waited for its batch.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        _inferenceSeconds = factory.CreateHistogram("pipeline_inference_seconds", "Time of one model run (one batch).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        _batchSize = factory.CreateHistogram("pipeline_batch_size", "Images per model run.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        _inFlight = factory.CreateGauge("pipeline_requests_in_flight", "Embedding requests being handled now.");
        Gauge queued = factory.CreateGauge("pipeline_queued_images", "Images waiting for a batch.");
        _registry.AddBeforeCollectCallback(() => queued.Set(queuedImages()));
        _reloads = factory.CreateCounter("pipeline_model_reloads_total", "Model reloads, by outcome (ok or refused).", ["outcome"]);
    }

    /// <summary>Counts a request to <paramref name="route"/> and returns a scope that counts it in flight until disposed.</summary>
    public IDisposable Request(string route)
    {
        _requests.WithLabels(route).Inc();
        return _inFlight.TrackInProgress();
    }

    /// <summary>Counts a refused or failed request.</summary>
    public void Failure(string route, string reason) => _failures.WithLabels(route, reason).Inc();

    /// <summary>Records one model run.</summary>
    public void Batch(BatchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _batchSize.Observe(report.Images);
        _inferenceSeconds.Observe(report.InferenceTime.TotalSeconds);
        foreach (TimeSpan queued in report.QueueTimes)
        {
            _queueSeconds.Observe(queued.TotalSeconds);
        }
    }

    /// <summary>Counts a reload that was done (<paramref name="succeeded"/>) or refused.</summary>
    public void Reload(bool succeeded) => _reloads.WithLabels(succeeded ? "ok" : "refused").Inc();

    /// <summary>Writes every metric in Prometheus' text format.</summary>
    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellationToken);
}
