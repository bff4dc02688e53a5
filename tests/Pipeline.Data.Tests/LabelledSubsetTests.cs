using Pipeline.Errors;
namespace Pipeline.Data.Tests;

public sealed class LabelledSubsetTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static readonly ImageSet Set = new("fashion-mnist:train", new byte[20], 20, 1, 1, 1,
        Enumerable.Range(0, 20).Select(i => i % 2).ToArray(), ["even", "odd"]);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Parse_ReadsAFractionAsADraw()
    {
        LabelledSubset subset = LabelledSubset.Parse("10%");

        Assert.Equal("10%", subset.ToString());
        Assert.Equal(LabelFraction.Parse("10%").Select(Set.Labels!, 2, seed: 3), subset.Select(Set, seed: 3));
    }

    [Fact]
    public void Parse_ReadsAnExistingFileAsItsList_InAscendingOrder()
    {
        string path = _temp.File("to-label.csv");
        File.WriteAllText(path, "id,rank\n7,1\n2,2\n13,3\n");

        LabelledSubset subset = LabelledSubset.Parse(path);

        Assert.Equal(path, subset.ToString());
        Assert.Equal([2, 7, 13], subset.Select(Set, seed: 0));
    }

    [Fact]
    public void Parse_RefusesNeitherAFractionNorAFile()
    {
        InvalidSettingException error = Assert.Throws<InvalidSettingException>(() => LabelledSubset.Parse(Path.Combine(_temp.Path, "none.csv")));

        Assert.Contains("is neither a label fraction nor a file that exists", error.Message);
        Assert.Contains("the CSV pipeline-infer select writes", error.Message);
    }

    [Fact]
    public void Select_FromAFileWithAnUnknownId_SaysWhichIdAndWhatIdsLookLike()
    {
        string path = _temp.File("to-label.csv");
        File.WriteAllText(path, "id\n20\n");

        DataFormatException error = Assert.Throws<DataFormatException>(() => LabelledSubset.Parse(path).Select(Set, seed: 0));

        Assert.Contains("'20'", error.Message);
        Assert.Contains("an index from 0 to 19", error.Message);
    }
}
