namespace Pipeline.Data.Tests;

public sealed class ImageIdsTests
{
    private static readonly ImageSet Idx = new("fashion-mnist:train", new byte[5 * 4], 5, 1, 2, 2, [0, 1, 0, 1, 0], ["a", "b"]);
    private static readonly ImageSet Folder = new("folder:/pool", new byte[3 * 4], 3, 1, 2, 2, null, [], ["x.png", "sub/y.png", "z, 1.png"]);

    [Fact]
    public void Of_IsTheIndexForIdxSets_AndTheRelativePathForFolders()
    {
        Assert.Equal("3", ImageIds.Of(Idx, 3));
        Assert.Equal("sub/y.png", ImageIds.Of(Folder, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageIds.Of(Folder, 3));
    }

    [Fact]
    public void Resolve_ReadsIdsBackInTheirOrder()
    {
        Assert.Equal([4, 0, 2], ImageIds.Resolve(Idx, ["4", "0", "2"], "list.csv"));
        Assert.Equal([2, 0], ImageIds.Resolve(Folder, ["z, 1.png", "x.png"], "list.csv"));
    }

    [Theory]
    [InlineData("5", "an index from 0 to 4")]
    [InlineData("-1", "an index from 0 to 4")]
    [InlineData("x.png", "an index from 0 to 4")]
    public void Resolve_NamesTheIdsAnIdxSetDoesNotHold(string id, string form)
    {
        DataFormatException error = Assert.Throws<DataFormatException>(() => ImageIds.Resolve(Idx, ["1", id], "list.csv"));

        Assert.StartsWith("list.csv names 1 image(s) that fashion-mnist:train does not hold", error.Message);
        Assert.Contains($"'{id}'", error.Message);
        Assert.Contains(form, error.Message);
    }

    [Fact]
    public void Resolve_ShowsAFolderIdsForm_AndRefusesAnImageListedTwice()
    {
        DataFormatException unknown = Assert.Throws<DataFormatException>(() => ImageIds.Resolve(Folder, ["y.png"], "list.csv"));
        Assert.Contains("a path relative to the folder", unknown.Message);
        Assert.Contains("x.png", unknown.Message);

        DataFormatException twice = Assert.Throws<DataFormatException>(() => ImageIds.Resolve(Folder, ["x.png", "sub/y.png", "x.png"], "list.csv"));
        Assert.Equal("list.csv names 1 image(s) more than once ('x.png'): list each image once.", twice.Message);
    }
}
