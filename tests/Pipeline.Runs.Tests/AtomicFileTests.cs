namespace Pipeline.Runs.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WriteAllText_ReplacesTheFileWhole()
    {
        string path = _temp.File("out.csv");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Write_ThatFails_LeavesTheOldFileAndNoTemporaryFile()
    {
        string path = _temp.File("out.csv");
        File.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new IOException("disk full");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task WriteAsync_ReplacesTheFileWhole()
    {
        string path = OldFile();

        await AtomicFile.WriteAsync(path, WriteNew);

        AssertOnly(path, "new");
    }

    [Fact]
    public async Task WriteAsync_ThatFails_LeavesTheOldFileAndNoTemporaryFile()
    {
        string path = OldFile();

        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (stream, token) =>
        {
            await WriteNew(stream, token);
            throw new IOException("disk full");
        }));

        AssertOnly(path, "old");
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileWriting_LeavesTheOldFileAndNoTemporaryFile()
    {
        string path = OldFile();
        using var cancellation = new CancellationTokenSource();

        // The writer finishes its bytes, but the write was cancelled meanwhile: the file is not replaced.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, async (stream, token) =>
        {
            await WriteNew(stream, token);
            await cancellation.CancelAsync();
        }, cancellation.Token));

        AssertOnly(path, "old");
    }

    [Fact]
    public async Task WriteAsync_AlreadyCancelled_WritesNothing()
    {
        string path = _temp.File("out.bin");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, WriteNew, new CancellationToken(canceled: true)));

        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Write_TheWriterCanReadBackWhatItWrote()
    {
        string path = _temp.File("out.bin");

        AtomicFile.Write(path, stream =>
        {
            stream.Write("new"u8);
            stream.Position = 0;
            Assert.Equal('n', stream.ReadByte());
            stream.Position = stream.Length;
        });

        AssertOnly(path, "new");
    }

    [Fact]
    public async Task StageAsync_CommitsAFlushedFileFromAnotherFolder()
    {
        string staging = Directory.CreateDirectory(_temp.File("staging")).FullName;
        string path = OldFile();

        string committed = await AtomicFile.StageAsync(staging, "out.bin", WriteNew, (temporary, token) =>
        {
            Assert.Equal(staging, Path.GetDirectoryName(temporary));
            Assert.Equal("new", File.ReadAllText(temporary)); // whole before the commit sees it
            File.Move(temporary, path, overwrite: true);
            return Task.FromResult("moved");
        });

        Assert.Equal("moved", committed);
        AssertOnly(path, "new");
        Assert.Empty(Directory.GetFiles(staging));
    }

    [Fact]
    public async Task StageAsync_CommitThatRefuses_LeavesNoTemporaryFile()
    {
        string staging = Directory.CreateDirectory(_temp.File("staging")).FullName;
        string path = OldFile();

        // A conditional write whose condition fails: the commit throws instead of renaming.
        await Assert.ThrowsAsync<InvalidOperationException>(() => AtomicFile.StageAsync<string>(staging, "out.bin", WriteNew,
            (_, _) => throw new InvalidOperationException("the file changed")));

        AssertOnly(path, "old");
        Assert.Empty(Directory.GetFiles(staging));
    }

    private static Task WriteNew(Stream stream, CancellationToken cancellationToken) =>
        stream.WriteAsync("new"u8.ToArray(), cancellationToken).AsTask();

    private string OldFile()
    {
        string path = _temp.File("out.bin");
        File.WriteAllText(path, "old");
        return path;
    }

    // The file holds the text, and nothing else is in the folder: no temporary file was left behind.
    private void AssertOnly(string path, string text)
    {
        Assert.Equal(text, File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }
}
