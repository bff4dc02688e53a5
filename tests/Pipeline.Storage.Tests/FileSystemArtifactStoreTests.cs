namespace Pipeline.Storage.Tests;

public sealed class FileSystemArtifactStoreTests : ArtifactStoreContractTests, IDisposable
{
    private readonly TempDirectory _root = new();

    protected override IArtifactStore NewStore() => new FileSystemArtifactStore(Path.Combine(_root.Path, "registry"), AzuriteProcess.FastRetries);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Files_AreAtTheirKeysPaths_AndStagingAndLocksAreNotListed()
    {
        IArtifactStore store = NewStore();
        await store.PutAsync("models/a/v1/encoder.onnx", new MemoryStream("x"u8.ToArray()), ArtifactCondition.IfAbsent);

        Assert.Equal("x", File.ReadAllText(Path.Combine(_root.Path, "registry", "models", "a", "v1", "encoder.onnx")));
        Assert.Equal(["models/a/v1/encoder.onnx"], (await store.ListAsync("").ToListAsync()).Select(p => p.Key));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root.Path, "registry", ".staging")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData(".hidden")]
    [InlineData("a\\b")]
    public async Task BadKeys_AreRefusedWithTheKeyInTheMessage(string key)
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => NewStore().PutAsync(key, new MemoryStream(), ArtifactCondition.None));

        Assert.Contains($"'{key}'", refused.Message);
    }

    [Fact]
    public async Task NonSeekableStreams_AreRefused_BecauseARetryRestartsFromTheFirstByte()
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(
            () => NewStore().PutAsync("k", new BufferedStream(new NonSeekable()), ArtifactCondition.None));

        Assert.Contains("seekable", refused.Message);
    }

    private sealed class NonSeekable : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
