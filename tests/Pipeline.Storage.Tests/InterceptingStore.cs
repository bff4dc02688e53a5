namespace Pipeline.Storage.Tests;

/// <summary>
/// A store that passes every call on to another, and lets a test hide blobs from listings (a stale listing) or act at a
/// chosen point of an upload (kill the store while it runs) or once it is acknowledged (kill the store before the next call).
/// </summary>
internal sealed class InterceptingStore(IArtifactStore inner) : IArtifactStore
{
    private int _reached;

    /// <summary>Which blobs listings show; null shows them all.</summary>
    public Func<ArtifactProperties, bool>? Listed { get; init; }

    /// <summary>The uploads <see cref="Reached"/> watches, by key; null watches none.</summary>
    public Func<string, bool>? Watched { get; init; }

    /// <summary>The share of a watched upload's content read when <see cref="Reached"/> runs: 0 before its first byte is sent.</summary>
    public double Share { get; init; }

    /// <summary>
    /// Runs once, on the uploading thread, when the first watched upload has read <see cref="Share"/> of its content, or
    /// with <see cref="Acknowledged"/> once the store has acknowledged it (before the caller gets the answer).
    /// </summary>
    public Action? Reached { get; init; }

    /// <summary><see cref="Reached"/> runs once the first watched upload is acknowledged, not while it is sent.</summary>
    public bool Acknowledged { get; init; }

    public string Location => inner.Location;

    public async Task<ArtifactProperties> PutAsync(string key, Stream content, ArtifactCondition condition, CancellationToken cancellationToken = default)
    {
        bool watched = Watched?.Invoke(key) == true;
        ArtifactProperties written = await inner.PutAsync(key, watched && !Acknowledged ? new WatchedStream(content, (long)(Share * content.Length), Reach) : content,
            condition, cancellationToken);
        if (watched && Acknowledged)
        {
            Reach();
        }
        return written;
    }

    public Task<ArtifactProperties> GetAsync(string key, Stream destination, CancellationToken cancellationToken = default) =>
        inner.GetAsync(key, destination, cancellationToken);

    public Task<ArtifactProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) =>
        inner.GetPropertiesAsync(key, cancellationToken);

    public IAsyncEnumerable<ArtifactProperties> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        Listed is null ? inner.ListAsync(prefix, cancellationToken) : inner.ListAsync(prefix, cancellationToken).Where(Listed);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<IArtifactLease?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken = default) =>
        inner.TryAcquireLeaseAsync(key, cancellationToken);

    private void Reach()
    {
        if (Interlocked.Exchange(ref _reached, 1) == 0)
        {
            Reached?.Invoke();
        }
    }

    // Seekable like the content it wraps (a retried upload rewinds it); calls back once its reader has passed a position.
    private sealed class WatchedStream(Stream content, long position, Action reached) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => content.CanSeek;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position
        {
            get => content.Position;
            set => content.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Passed(content.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Passed(content.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Passed(await content.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => content.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        // Before the bytes just read are returned, and so before they are sent.
        private int Passed(int read)
        {
            if (content.Position >= position)
            {
                reached();
            }
            return read;
        }
    }
}
