namespace Pipeline.Runs.Tests;

public sealed class FileDigestTests : IDisposable
{
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Of_AKnownString_IsItsPublishedSha256AndLength_SyncAndAsync()
    {
        string path = _temp.File("abc.txt");
        File.WriteAllText(path, "abc");

        Assert.Equal(new FileDigest(3, AbcSha256), FileDigest.Of(path));
        Assert.Equal(new FileDigest(3, AbcSha256), await FileDigest.OfAsync(path));
    }

    [Fact]
    public async Task OfAsync_AStream_DigestsFromItsPositionToItsEnd()
    {
        using var stream = new MemoryStream("xyzabc"u8.ToArray()) { Position = 3 };

        Assert.Equal(new FileDigest(3, AbcSha256), await FileDigest.OfAsync(stream));
    }

    [Fact]
    public async Task OfAsync_Cancelled_Throws()
    {
        string path = _temp.File("abc.txt");
        File.WriteAllText(path, "abc");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileDigest.OfAsync(path, new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData(AbcSha256, true)]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", false)]
    [InlineData("ba7816bf", false)]
    [InlineData(null, false)]
    public void IsSha256_TakesSixtyFourLowerCaseHexDigitsOnly(string? text, bool expected) =>
        Assert.Equal(expected, FileDigest.IsSha256(text));
}
