using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

public sealed class SelectionFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_ListsEveryPickWithItsReason_AndReadsBackAsIds()
    {
        string path = _temp.File("to-label.csv");
        var selection = new SelectionResult(SelectionStrategy.Typiclust,
            [new SelectedImage(2, Cluster: 4, ClusterSize: 17, Typicality: 3.25), new SelectedImage(0, Cluster: 1, ClusterSize: 9, Typicality: 0.5)]);

        SelectionFile.Write(path, selection, ["coats/a.png", "shirts/b, with comma.png", "shirts/\"c\".png"]);

        Assert.Equal(
            [
                SelectionFile.Header,
                "\"shirts/\"\"c\"\".png\",1,typiclust,4,17,3.25,,,",
                "coats/a.png,2,typiclust,1,9,0.5,,,",
            ],
            File.ReadAllLines(path));
        Assert.Equal(["shirts/\"c\".png", "coats/a.png"], ImageIdFile.Read(path));
        Assert.Empty(Directory.GetFiles(_temp.Path, ".*"));
    }
}
