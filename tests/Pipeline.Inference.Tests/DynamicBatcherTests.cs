using System.Collections.Concurrent;
using Pipeline.Data.Tests;
using Pipeline.Inference.Batching;

namespace Pipeline.Inference.Tests;

public sealed class DynamicBatcherTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestModel _spec = new();
    private readonly EmbeddingModel _model;
    private readonly ConcurrentQueue<BatchReport> _reports = new();

    public DynamicBatcherTests()
    {
        _model = EmbeddingModel.Load(_spec.Write(_temp.File("encoder.onnx")));
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task EmbedAsync_ConcurrentRequests_GiveExactlyTheEmbeddingsOfSingleCalls()
    {
        await using var batcher = new DynamicBatcher(() => _model, new BatchPolicy(8, TimeSpan.FromMilliseconds(5), 256), _reports.Enqueue);
        float[][] inputs = Enumerable.Range(0, 40).Select(i => _spec.RandomPixels(1 + i % 3, seed: i)).ToArray();

        float[][] batched = await Task.WhenAll(inputs.Select(input => Task.Run(() => batcher.EmbedAsync(input))));

        Assert.Equal(inputs.Select(input => _model.Embed(input)), batched);
        Assert.All(_reports, report => Assert.InRange(report.Images, 1, 8));
        Assert.Equal(inputs.Sum(input => input.Length / _spec.ImageSize), _reports.Sum(report => report.Images));
        Assert.Contains(_reports, report => report.Requests > 1);
    }

    [Fact]
    public async Task EmbedAsync_QueueFull_IsRefusedAtOnce()
    {
        using var gate = new ManualResetEventSlim(initialState: true); // the constructor asks for the model once
        await using var batcher = new DynamicBatcher(() => { gate.Wait(TimeSpan.FromSeconds(10)); return _model; }, new BatchPolicy(2, TimeSpan.Zero, 4));
        gate.Reset();
        Task<float[]> running = batcher.EmbedAsync(_spec.RandomPixels(2, seed: 0)); // taken, blocked on the gate
        SpinWait.SpinUntil(() => batcher.QueuedImages == 0, TimeSpan.FromSeconds(5));
        Task<float[]> queued = batcher.EmbedAsync(_spec.RandomPixels(2, seed: 1));
        Task<float[]> queuedToo = batcher.EmbedAsync(_spec.RandomPixels(2, seed: 2));

        var error = Assert.Throws<QueueFullException>(() => { _ = batcher.EmbedAsync(_spec.RandomPixels(1, seed: 3)); });

        Assert.Equal(4, error.Queued);
        Assert.Contains("no room for 1 more", error.Message);
        gate.Set();
        await Task.WhenAll(running, queued, queuedToo);
    }

    [Fact]
    public async Task EmbedAsync_CancelledWhileQueued_LeavesTheBatch()
    {
        using var gate = new ManualResetEventSlim(initialState: true); // the constructor asks for the model once
        await using var batcher = new DynamicBatcher(() => { gate.Wait(TimeSpan.FromSeconds(10)); return _model; }, new BatchPolicy(4, TimeSpan.Zero, 16), _reports.Enqueue);
        gate.Reset();
        Task<float[]> first = batcher.EmbedAsync(_spec.RandomPixels(1, seed: 0));
        SpinWait.SpinUntil(() => batcher.QueuedImages == 0, TimeSpan.FromSeconds(5));
        using var cancel = new CancellationTokenSource();
        Task<float[]> cancelled = batcher.EmbedAsync(_spec.RandomPixels(2, seed: 1), cancel.Token);
        Task<float[]> kept = batcher.EmbedAsync(_spec.RandomPixels(1, seed: 2));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.Set();
        await Task.WhenAll(first, kept);
        Assert.Equal([1, 1], _reports.Select(report => report.Images));
    }

    [Fact]
    public async Task EmbedAsync_MoreImagesThanABatch_IsRefused()
    {
        await using var batcher = new DynamicBatcher(() => _model, new BatchPolicy(2, TimeSpan.Zero, 8));

        var error = Assert.Throws<ArgumentException>(() => { _ = batcher.EmbedAsync(_spec.RandomPixels(3, seed: 0)); });

        Assert.Contains("1 to 2 images", error.Message);
    }

    [Fact]
    public async Task EmbedAsync_ModelSwappedAndDisposed_RunsOnTheNewModel()
    {
        EmbeddingModel current = _model;
        await using var batcher = new DynamicBatcher(() => Volatile.Read(ref current), new BatchPolicy(4, TimeSpan.Zero, 64));
        float[] pixels = _spec.RandomPixels(1, seed: 5);
        float[] before = await batcher.EmbedAsync(pixels);
        var other = new TestModel(seed: 2);
        using EmbeddingModel replacement = EmbeddingModel.Load(other.Write(_temp.File("other.onnx")));

        Volatile.Write(ref current, replacement);
        float[] after = await batcher.EmbedAsync(pixels);

        Assert.Equal(_model.Embed(pixels), before);
        Assert.Equal(replacement.Embed(pixels), after);
    }

    [Fact]
    public async Task DisposeAsync_FailsRequestsStillQueued()
    {
        using var gate = new ManualResetEventSlim(initialState: true); // the constructor asks for the model once
        var batcher = new DynamicBatcher(() => { gate.Wait(TimeSpan.FromSeconds(10)); return _model; }, new BatchPolicy(1, TimeSpan.Zero, 8));
        gate.Reset();
        Task<float[]> running = batcher.EmbedAsync(_spec.RandomPixels(1, seed: 0));
        SpinWait.SpinUntil(() => batcher.QueuedImages == 0, TimeSpan.FromSeconds(5));
        Task<float[]> waiting = batcher.EmbedAsync(_spec.RandomPixels(1, seed: 1));

        ValueTask disposing = batcher.DisposeAsync();
        gate.Set();
        await disposing;

        Assert.Equal(_spec.EmbeddingDim, (await running).Length);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
    }
}
