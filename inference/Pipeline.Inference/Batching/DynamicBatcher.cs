using System.Diagnostics;
using System.Threading.Channels;

namespace Pipeline.Inference.Batching;

/// <summary>
/// Gathers concurrent embedding requests into batches for one model: a bounded queue, batches of up to
/// <see cref="BatchPolicy.MaxBatchSize"/> images formed within <see cref="BatchPolicy.MaxWait"/>, one batch running at
/// a time over reused buffers.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may call <see cref="EmbedAsync"/>. A request whose images do not fit the
/// queue is refused at once with <see cref="QueueFullException"/> (a server's 429), never left to wait. A request
/// cancelled while queued completes as cancelled at once and leaves its batch: the model never sees its images.</para>
/// <para>The model is asked for anew at each batch, so a server can swap models between batches; a batch that finds its
/// model disposed by such a swap runs again on the new one. Every model it is given must keep the first one's input
/// shape and embedding width.</para>
/// </remarks>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly Func<EmbeddingModel> _currentModel;
    private readonly BatchPolicy _policy;
    private readonly Action<BatchReport>? _onBatch;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _imageSize;
    private readonly int _embeddingDim;
    private readonly float[] _pixels;
    private readonly float[] _embeddings;
    private readonly List<Request> _batch = [];
    private readonly Task _loop;
    private int _queuedImages;
    private Request? _carried;

    /// <param name="currentModel">The model to run each batch on; called once per batch.</param>
    /// <param name="policy">Batch size, wait and queue capacity.</param>
    /// <param name="onBatch">Called after every model run, on the batching thread; keep it quick.</param>
    public DynamicBatcher(Func<EmbeddingModel> currentModel, BatchPolicy policy, Action<BatchReport>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(currentModel);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        _currentModel = currentModel;
        _policy = policy;
        _onBatch = onBatch;
        EmbeddingModel model = currentModel();
        _imageSize = model.InputShape.Size;
        _embeddingDim = model.EmbeddingDim;
        _pixels = new float[policy.MaxBatchSize * _imageSize];
        _embeddings = new float[policy.MaxBatchSize * _embeddingDim];
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Images waiting in the queue now.</summary>
    public int QueuedImages => Volatile.Read(ref _queuedImages);

    /// <summary>The policy batches are formed by.</summary>
    public BatchPolicy Policy => _policy;

    /// <summary>Queues N images ([N, C, H, W] pixels in [0, 1], already checked) and returns their [N, D] embeddings.</summary>
    /// <exception cref="QueueFullException">The queue has no room for the images now.</exception>
    /// <exception cref="ArgumentException">The pixels are not 1 to <see cref="BatchPolicy.MaxBatchSize"/> whole images.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled before its batch ran.</exception>
    public Task<float[]> EmbedAsync(ReadOnlyMemory<float> pixels, CancellationToken cancellationToken = default)
    {
        int images = pixels.Length / _imageSize;
        if (pixels.Length % _imageSize != 0 || images < 1 || images > _policy.MaxBatchSize)
        {
            throw new ArgumentException(
                $"{pixels.Length} floats are not 1 to {_policy.MaxBatchSize} images of {_imageSize} floats.", nameof(pixels));
        }
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<float[]>(cancellationToken);
        }
        int queued = Interlocked.Add(ref _queuedImages, images);
        if (queued > _policy.QueueCapacity)
        {
            Interlocked.Add(ref _queuedImages, -images);
            throw new QueueFullException(queued - images, images, _policy.QueueCapacity);
        }
        var request = new Request(pixels, images, Stopwatch.GetTimestamp(), cancellationToken);
        if (!_queue.Writer.TryWrite(request))
        {
            Interlocked.Add(ref _queuedImages, -images);
            throw new ObjectDisposedException(nameof(DynamicBatcher));
        }
        return request.Result.Task;
    }

    /// <summary>Stops taking requests, fails those still queued, and waits for the running batch.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }
        _stopping.Cancel();
        await _loop.ConfigureAwait(false);
        var stopped = new ObjectDisposedException(nameof(DynamicBatcher), "The batcher stopped before this request ran.");
        _carried?.Fail(stopped);
        while (_queue.Reader.TryRead(out Request? request))
        {
            request.Fail(stopped);
        }
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        CancellationToken stopping = _stopping.Token;
        try
        {
            while (true)
            {
                if (_carried is null && !await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
                {
                    return;
                }
                int images = await GatherAsync(stopping).ConfigureAwait(false);
                if (images > 0)
                {
                    RunBatch(images);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposal: DisposeAsync fails what is left.
        }
    }

    // Fills _batch with live requests up to MaxBatchSize images, waiting at most MaxWait after the first; returns its images.
    private async Task<int> GatherAsync(CancellationToken stopping)
    {
        _batch.Clear();
        int images = Take(0);
        if (images == 0 || images == _policy.MaxBatchSize || _carried is not null || _policy.MaxWait == TimeSpan.Zero)
        {
            return images;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        wait.CancelAfter(_policy.MaxWait);
        try
        {
            while (images < _policy.MaxBatchSize && _carried is null
                && await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                images = Take(images);
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The wait is over: run what there is.
        }
        return images;
    }

    // Moves queued requests into _batch while they fit; a request that does not fit is carried to the next batch.
    private int Take(int images)
    {
        while (images < _policy.MaxBatchSize)
        {
            Request? request = _carried;
            _carried = null;
            if (request is null)
            {
                if (!_queue.Reader.TryRead(out request))
                {
                    break;
                }
                Interlocked.Add(ref _queuedImages, -request.Images);
            }
            if (request.Result.Task.IsCompleted)
            {
                continue; // cancelled while queued
            }
            if (images + request.Images > _policy.MaxBatchSize)
            {
                _carried = request;
                break;
            }
            _batch.Add(request);
            images += request.Images;
        }
        return images;
    }

    private void RunBatch(int gathered)
    {
        long start = Stopwatch.GetTimestamp();
        // Requests cancelled since they were gathered leave the batch here, before the model sees their images.
        _batch.RemoveAll(request => request.Result.Task.IsCompleted);
        int images = 0;
        var queueTimes = new TimeSpan[_batch.Count];
        for (int i = 0; i < _batch.Count; i++)
        {
            Request request = _batch[i];
            request.Pixels.Span.CopyTo(_pixels.AsSpan(images * _imageSize));
            images += request.Images;
            queueTimes[i] = Stopwatch.GetElapsedTime(request.EnqueuedAt, start);
        }
        Debug.Assert(images <= gathered);
        if (images == 0)
        {
            return;
        }

        Exception? error = null;
        try
        {
            EmbedOnCurrentModel(images);
        }
        catch (Exception failure)
        {
            error = failure;
        }
        TimeSpan inference = Stopwatch.GetElapsedTime(start);

        int row = 0;
        foreach (Request request in _batch)
        {
            if (error is null)
            {
                request.Complete(_embeddings.AsSpan(row * _embeddingDim, request.Images * _embeddingDim).ToArray());
            }
            else
            {
                request.Fail(error);
            }
            row += request.Images;
        }
        _batch.Clear();
        _onBatch?.Invoke(new BatchReport(images, queueTimes.Length, queueTimes, inference, error));
    }

    // A model swapped out (and disposed) between asking for it and running it is replaced by the new current one.
    private void EmbedOnCurrentModel(int images)
    {
        ReadOnlyMemory<float> pixels = _pixels.AsMemory(0, images * _imageSize);
        Memory<float> embeddings = _embeddings.AsMemory(0, images * _embeddingDim);
        for (int attempt = 1; ; attempt++)
        {
            EmbeddingModel model = _currentModel();
            if (model.InputShape.Size != _imageSize || model.EmbeddingDim != _embeddingDim)
            {
                throw new InvalidOperationException(
                    $"The model now served reads {model.InputShape} and writes {model.EmbeddingDim} floats, but this batcher "
                    + $"was made for {_imageSize} floats in and {_embeddingDim} out: a server swaps only models of one contract.");
            }
            try
            {
                model.Embed(pixels, embeddings);
                return;
            }
            catch (ObjectDisposedException) when (attempt < 3 && !ReferenceEquals(model, _currentModel()))
            {
                // Swapped while this batch started; the new model runs it.
            }
        }
    }

    /// <summary>One caller's images and the promise of their embeddings.</summary>
    private sealed class Request
    {
        private readonly CancellationTokenRegistration _cancellation;

        public Request(ReadOnlyMemory<float> pixels, int images, long enqueuedAt, CancellationToken cancellationToken)
        {
            Pixels = pixels;
            Images = images;
            EnqueuedAt = enqueuedAt;
            _cancellation = cancellationToken.Register(
                static state => ((Request)state!).Result.TrySetCanceled(), this, useSynchronizationContext: false);
        }

        public ReadOnlyMemory<float> Pixels { get; }

        public int Images { get; }

        public long EnqueuedAt { get; }

        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(float[] embeddings)
        {
            _cancellation.Dispose();
            Result.TrySetResult(embeddings);
        }

        public void Fail(Exception error)
        {
            _cancellation.Dispose();
            Result.TrySetException(error);
        }
    }
}
