using System.Text;
using Pipeline.Runs;

namespace Pipeline.Storage.Tests;

/// <summary>What every <see cref="IArtifactStore"/> must do; run against a folder and against Azurite.</summary>
public abstract class ArtifactStoreContractTests
{
    /// <summary>A new store instance on this test's storage (each call a separate instance on the same place).</summary>
    protected abstract IArtifactStore NewStore();

    [Fact]
    public async Task Put_ThenGet_ReturnsTheBytesAndTheirProperties()
    {
        IArtifactStore store = NewStore();
        byte[] content = TestBytes.Random(3 << 20, seed: 1); // several transfer chunks

        ArtifactProperties written = await store.PutAsync("a/b/blob.bin", new MemoryStream(content), ArtifactCondition.None);
        using var read = new MemoryStream();
        ArtifactProperties properties = await store.GetAsync("a/b/blob.bin", read);

        Assert.Equal(content, read.ToArray());
        Assert.Equal(content.Length, written.Length);
        Assert.Equal(written.ETag, properties.ETag);
        Assert.Equal(written.ETag, (await store.GetPropertiesAsync("a/b/blob.bin"))!.ETag);
        Assert.Equal(content.Length, properties.Length);
    }

    [Fact]
    public async Task Put_EveryWriteChangesTheETag_EvenWithTheSameBytes()
    {
        IArtifactStore store = NewStore();
        var etags = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            etags.Add((await store.PutAsync("k", new MemoryStream("same"u8.ToArray()), ArtifactCondition.None)).ETag);
        }

        Assert.Equal(5, etags.Count);
    }

    [Fact]
    public async Task PutIfAbsent_WhenTaken_IsRefusedAndLeavesTheBlob()
    {
        IArtifactStore store = NewStore();
        await store.PutAsync("k", new MemoryStream("first"u8.ToArray()), ArtifactCondition.IfAbsent);

        var refused = await Assert.ThrowsAsync<ArtifactConflictException>(
            () => store.PutAsync("k", new MemoryStream("second"u8.ToArray()), ArtifactCondition.IfAbsent));

        Assert.Contains("already exists", refused.Message);
        Assert.Equal("first", await ReadTextAsync(store, "k"));
    }

    [Fact]
    public async Task PutIfMatch_WithAStaleETag_IsRefused_WithTheCurrentOne_Succeeds()
    {
        IArtifactStore store = NewStore();
        string first = (await store.PutAsync("k", new MemoryStream("1"u8.ToArray()), ArtifactCondition.None)).ETag;
        string second = (await store.PutAsync("k", new MemoryStream("2"u8.ToArray()), ArtifactCondition.IfMatch(first))).ETag;

        await Assert.ThrowsAsync<ArtifactConflictException>(
            () => store.PutAsync("k", new MemoryStream("3"u8.ToArray()), ArtifactCondition.IfMatch(first)));
        await store.PutAsync("k", new MemoryStream("4"u8.ToArray()), ArtifactCondition.IfMatch(second));

        Assert.Equal("4", await ReadTextAsync(store, "k"));
    }

    [Fact]
    public async Task PutIfMatch_AfterDelete_IsRefused()
    {
        IArtifactStore store = NewStore();
        string etag = (await store.PutAsync("k", new MemoryStream("1"u8.ToArray()), ArtifactCondition.None)).ETag;
        Assert.True(await store.DeleteAsync("k"));

        await Assert.ThrowsAsync<ArtifactConflictException>(
            () => store.PutAsync("k", new MemoryStream("2"u8.ToArray()), ArtifactCondition.IfMatch(etag)));
        Assert.Null(await store.GetPropertiesAsync("k"));
    }

    [Fact]
    public async Task ConcurrentReadModifyWrite_WithIfMatch_LosesNoIncrement()
    {
        // Two store instances, as two processes would have; each increment retries on a conflict until it lands.
        IArtifactStore[] stores = [NewStore(), NewStore()];
        await stores[0].PutAsync("counter", new MemoryStream("0"u8.ToArray()), ArtifactCondition.IfAbsent);
        const int Increments = 12;

        await Task.WhenAll(Enumerable.Range(0, Increments).Select(i => Task.Run(async () =>
        {
            IArtifactStore store = stores[i % 2];
            while (true)
            {
                using var read = new MemoryStream();
                ArtifactProperties seen = await store.GetAsync("counter", read);
                int value = int.Parse(Encoding.ASCII.GetString(read.ToArray()), System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    await store.PutAsync("counter", new MemoryStream(Encoding.ASCII.GetBytes((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
                        ArtifactCondition.IfMatch(seen.ETag));
                    return;
                }
                catch (ArtifactConflictException)
                {
                    await Task.Delay(Random.Shared.Next(1, 10));
                }
            }
        })));

        Assert.Equal(Increments.ToString(System.Globalization.CultureInfo.InvariantCulture), await ReadTextAsync(stores[0], "counter"));
    }

    [Fact]
    public async Task List_ReturnsTheKeysUnderAPrefixInOrder()
    {
        IArtifactStore store = NewStore();
        foreach (string key in new[] { "models/b/v1/x", "models/a/v2/y", "models/a/v1/x", "other/z", "models-not/q" })
        {
            await store.PutAsync(key, new MemoryStream("."u8.ToArray()), ArtifactCondition.None);
        }

        Assert.Equal(["models/a/v1/x", "models/a/v2/y", "models/b/v1/x"], (await store.ListAsync("models/").ToListAsync()).Select(p => p.Key));
        Assert.Equal(["models/a/v1/x", "models/a/v2/y"], (await store.ListAsync("models/a").ToListAsync()).Select(p => p.Key));
        Assert.Equal(5, (await store.ListAsync("").ToListAsync()).Count);
        Assert.Empty(await store.ListAsync("nothing/").ToListAsync());
    }

    [Fact]
    public async Task List_GivesKeysInOrdinalOrder_WhereverTheirFoldersEnd()
    {
        IArtifactStore store = NewStore();
        // '-' < '.' < '/' < '0' < 'A' < 'a': a folder's keys ("a/…") sort between "a.txt" and "a0", not after every file.
        string[] keys = ["a0", "a/b/c", "a.txt", "b", "A", "a-b", "a/b.txt", "a/a"];
        foreach (string key in keys)
        {
            await store.PutAsync(key, new MemoryStream("."u8.ToArray()), ArtifactCondition.None);
        }

        Assert.Equal(keys.Order(StringComparer.Ordinal), (await store.ListAsync("").ToListAsync()).Select(p => p.Key));
        Assert.Equal(["a/a", "a/b.txt", "a/b/c"], (await store.ListAsync("a/").ToListAsync()).Select(p => p.Key));
        Assert.Equal(["a/b.txt", "a/b/c"], (await store.ListAsync("a/b").ToListAsync()).Select(p => p.Key));
    }

    [Fact]
    public async Task Delete_RemovesTheBlob_AndSaysWhetherThereWasOne()
    {
        IArtifactStore store = NewStore();
        await store.PutAsync("k", new MemoryStream("1"u8.ToArray()), ArtifactCondition.None);

        Assert.True(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        var missing = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.GetAsync("k", new MemoryStream()));
        Assert.Contains("nothing is stored under 'k'", missing.Message);
    }

    [Fact]
    public async Task GetFile_WithTheWrongDigest_LeavesNoFileBehind()
    {
        using var folder = new TempDirectory();
        IArtifactStore store = NewStore();
        byte[] content = TestBytes.Random(100_000, seed: 2);
        await store.PutAsync("m/encoder.onnx", new MemoryStream(content), ArtifactCondition.None);
        string target = Path.Combine(folder.Path, "out", "encoder.onnx");
        FileDigest right = await FileDigest.OfAsync(new MemoryStream(content));

        var refused = await Assert.ThrowsAsync<ArtifactIntegrityException>(
            () => store.GetFileAsync("m/encoder.onnx", target, right with { Sha256 = new string('0', 64) }));

        Assert.Contains(right.Sha256, refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder.Path, "out")));
        await store.GetFileAsync("m/encoder.onnx", target, right);
        Assert.Equal(content, File.ReadAllBytes(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(folder.Path, "out")));
    }

    [Fact]
    public async Task GetProperties_OfAMissingKey_IsNull()
    {
        Assert.Null(await NewStore().GetPropertiesAsync("no/such/key"));
    }

    [Fact]
    public async Task Lease_IsExclusive_UntilReleased_AndLeavesTheStoredBlobsAlone()
    {
        IArtifactStore first = NewStore(), second = NewStore();
        await first.PutAsync("jobs/data", new MemoryStream("kept"u8.ToArray()), ArtifactCondition.None);

        IArtifactLease? held = await first.TryAcquireLeaseAsync("jobs/lease");
        Assert.NotNull(held);
        Assert.False(held.Lost.IsCancellationRequested);
        Assert.Null(await second.TryAcquireLeaseAsync("jobs/lease"));
        IArtifactLease? other = await second.TryAcquireLeaseAsync("jobs/other-lease");
        Assert.NotNull(other);
        await other.DisposeAsync();

        await held.DisposeAsync();
        IArtifactLease? again = await second.TryAcquireLeaseAsync("jobs/lease");
        Assert.NotNull(again);
        await again.DisposeAsync();
        Assert.Equal("kept", await ReadTextAsync(first, "jobs/data"));
    }

    private static async Task<string> ReadTextAsync(IArtifactStore store, string key)
    {
        using var read = new MemoryStream();
        await store.GetAsync(key, read);
        return Encoding.UTF8.GetString(read.ToArray());
    }
}
