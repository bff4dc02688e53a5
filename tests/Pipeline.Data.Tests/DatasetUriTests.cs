using Pipeline.Errors;
namespace Pipeline.Data.Tests;

public sealed class DatasetUriTests
{
    [Theory]
    [InlineData("fashion-mnist:train", FashionMnistSplit.Train)]
    [InlineData("fashion-mnist:test", FashionMnistSplit.Test)]
    [InlineData("Fashion-MNIST:Test", FashionMnistSplit.Test)]
    public void Parse_FashionMnist_GivesSplit(string text, FashionMnistSplit split)
    {
        Assert.Equal(new DatasetUri.FashionMnist(split), DatasetUri.Parse(text));
    }

    [Theory]
    [InlineData("folder:/data/shoes", "/data/shoes")]
    [InlineData("folder:data/shoes", "data/shoes")]
    [InlineData("folder:./a:b", "./a:b")]
    public void Parse_Folder_KeepsPathAsWritten(string text, string path)
    {
        Assert.Equal(new DatasetUri.Folder(path), DatasetUri.Parse(text));
    }

    [Theory]
    [InlineData("fashion-mnist:train")]
    [InlineData("fashion-mnist:test")]
    [InlineData("folder:/data/shoes")]
    public void ToString_RoundTrips(string text)
    {
        Assert.Equal(text, DatasetUri.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("fashion-mnist")]
    [InlineData("fashion-mnist:val")]
    [InlineData("fashion-mnist:")]
    [InlineData("mnist:train")]
    [InlineData("folder:")]
    [InlineData(":train")]
    [InlineData("/data/shoes")]
    public void Parse_Unknown_ListsAcceptedForms(string text)
    {
        var error = Assert.Throws<InvalidSettingException>(() => DatasetUri.Parse(text));

        Assert.Equal(
            $"'{text}' is not a dataset URI; accepted forms: fashion-mnist:train, fashion-mnist:test, "
            + "folder:/absolute/path or folder:relative/path.",
            error.Message);
    }
}
