namespace Pipeline.Data.Tests;

public sealed class ImageIdFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_TakesTheFirstColumn_SkippingTheIdHeaderAndBlankLines()
    {
        string path = _temp.File("to-label.csv");
        File.WriteAllText(path, "id,rank,strategy\n\"a, b.png\",1,typiclust\n\nc.png,2,typiclust\n");

        Assert.Equal(["a, b.png", "c.png"], ImageIdFile.Read(path));
    }

    [Fact]
    public void Read_TakesAPlainList()
    {
        string path = _temp.File("labelled.txt");
        File.WriteAllText(path, "17\n3\n");

        Assert.Equal(["17", "3"], ImageIdFile.Read(path));
    }

    [Theory]
    [InlineData("", "lists no images")]
    [InlineData("id\n", "lists no images")]
    [InlineData("id\n\"open,1\n", "line 2 is not CSV: a quoted field is not closed.")]
    public void Read_RefusesAFileWithoutIds(string text, string problem)
    {
        string path = _temp.File("bad.csv");
        File.WriteAllText(path, text);

        DataFormatException error = Assert.Throws<DataFormatException>(() => ImageIdFile.Read(path));

        Assert.Contains(problem, error.Message);
        Assert.Equal(path, error.DataPath);
    }

    [Fact]
    public void Read_SaysAMissingFileDoesNotExist()
    {
        DataFormatException error = Assert.Throws<DataFormatException>(() => ImageIdFile.Read(Path.Combine(_temp.Path, "none.csv")));

        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Read_AsASetting_AMissingFileIsAnErrorOfTheSetting()
    {
        string path = Path.Combine(_temp.Path, "none.csv");

        var error = Assert.Throws<Errors.InvalidSettingException>(() => DataFormatException.AsSetting("labelled", () => ImageIdFile.Read(path)));

        Assert.Equal("labelled", error.Setting);
        Assert.StartsWith($"labelled {path} does not exist", error.Message);
        Assert.IsType<DataFormatException>(error.InnerException);
    }
}
