using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Inference.Cli;
using Pipeline.Inference.Search;
using Pipeline.Inference.Tests.FineTuning;

namespace Pipeline.Inference.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class IndexCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _encoder;
    private readonly string _other;
    private readonly string _catalogue;
    private readonly string _index;

    public IndexCommandTests()
    {
        _encoder = new TestModel(seed: 1).Write(_temp.File("encoder.onnx"));
        _other = new TestModel(seed: 2).Write(_temp.File("other.onnx"));
        _catalogue = TestImages.WriteClassFolders(FineTuneFixture.Images(10), Path.Combine(_temp.Path, "catalogue"));
        _index = Path.Combine(_temp.Path, "out", "catalogue.index");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Build_IndexesEveryImageByItsPath_WithTheModelsSha256_AndSearchFindsEachImageFirst()
    {
        (int exit, string stdout, string stderr) = await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _index);

        Assert.True(exit == 0, stderr);
        Assert.Contains($"indexed 30 images of folder:{_catalogue}", stdout);
        EmbeddingIndex index = EmbeddingIndex.Load(_index);
        Assert.Equal(ImageFolderReader.ListImageFiles(_catalogue), index.Ids);
        using (EmbeddingModel model = EmbeddingModel.Load(_encoder))
        {
            Assert.Equal(model.Sha256, index.ModelSha256);
            Assert.Equal(model.EmbeddingDim, index.Dim);
        }

        string id = index.Ids[17];
        (exit, stdout, stderr) = await Index("search", "--model", _encoder, "--index", _index, "--image", Path.Combine(_catalogue, id), "--top-k", "3");

        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Trim().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal(Path.Combine(_catalogue, id), lines[0]);
        Assert.Matches($@"^\s+1  1\.0000  {id}$", lines[1]);
    }

    [Fact]
    public async Task Build_WithIds_IndexesOnlyTheImagesListed()
    {
        string list = _temp.File("some.csv");
        File.WriteAllText(list, "id\nhorizontal/001.png\nvertical/012.png\n");

        (int exit, _, string stderr) = await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--ids", list, "--out", _index);

        Assert.True(exit == 0, stderr);
        Assert.Equal(["horizontal/001.png", "vertical/012.png"], EmbeddingIndex.Load(_index).Ids);
    }

    [Theory]
    [InlineData("id\nflat/020.png\nno/such.png\n", "names 1 image(s) that folder:")]
    [InlineData("flat/020.png\nflat/020.png\n", "more than once")]
    public async Task Build_WithIdsTheCatalogueDoesNotHoldOnce_IsRefusedWithExitTwo(string list, string message)
    {
        string path = _temp.File("list.csv");
        File.WriteAllText(path, list);

        (int exit, _, string stderr) = await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--ids", path, "--out", _index);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--ids " + path, stderr);
        Assert.Contains(message, stderr);
        Assert.False(File.Exists(_index));
    }

    [Fact]
    public async Task Add_EmbedsOnlyTheImagesNotIndexedYet_AndReplaceEmbedsThemAgain()
    {
        string half = _temp.File("half.txt");
        IReadOnlyList<string> all = ImageFolderReader.ListImageFiles(_catalogue);
        File.WriteAllLines(half, all.Where((_, i) => i % 2 == 0));
        // Plain cosine, so that what is added in two steps is what one build makes (standardised statistics would differ).
        Assert.Equal(0, (await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--ids", half, "--out", _index, "--metric", "cosine")).Exit);

        (int exit, string stdout, string stderr) = await Index("add", "--model", _encoder, "--index", _index, "--data", "folder:" + _catalogue);

        Assert.True(exit == 0, stderr);
        Assert.Contains("added 15 images", stdout);
        Assert.Contains("skipped 15 the index holds already", stdout);
        EmbeddingIndex grown = EmbeddingIndex.Load(_index);
        Assert.Equal(all.Order(StringComparer.Ordinal), grown.Ids.Order(StringComparer.Ordinal));
        await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _temp.File("whole.index"), "--metric", "cosine");
        EmbeddingIndex whole = EmbeddingIndex.Load(_temp.File("whole.index"));
        float[] query = [1, -1, 0.5f, 0.2f, 0];
        Assert.Equal(whole.Search(query, 30).Select(h => h.Id), grown.Search(query, 30).Select(h => h.Id));

        byte[] before = File.ReadAllBytes(_index);
        (exit, stdout, _) = await Index("add", "--model", _encoder, "--index", _index, "--data", "folder:" + _catalogue);
        Assert.Equal(0, exit);
        Assert.Contains("nothing to add", stdout);
        Assert.Equal(before, File.ReadAllBytes(_index));

        (exit, stdout, _) = await Index("add", "--model", _encoder, "--index", _index, "--data", "folder:" + _catalogue, "--ids", half, "--replace");
        Assert.Equal(0, exit);
        Assert.Contains("added 0 images", stdout);
        Assert.Contains("replaced 15", stdout);
        Assert.Equal(30, EmbeddingIndex.Load(_index).Count);
    }

    [Fact]
    public async Task Build_StandardizesByDefault_AndAddUsesTheStatisticsOfTheBuild()
    {
        string half = _temp.File("half.txt");
        IReadOnlyList<string> all = ImageFolderReader.ListImageFiles(_catalogue);
        File.WriteAllLines(half, all.Where((_, i) => i % 2 == 0));
        Assert.Equal(0, (await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--ids", half, "--out", _index)).Exit);
        EmbeddingIndex built = EmbeddingIndex.Load(_index);
        Assert.Equal(IndexMetric.StandardizedCosine, built.Metric);

        (int exit, _, string stderr) = await Index("add", "--model", _encoder, "--index", _index, "--data", "folder:" + _catalogue);

        Assert.True(exit == 0, stderr);
        EmbeddingIndex grown = EmbeddingIndex.Load(_index);
        Assert.Equal(built.Standardization!.Mean, grown.Standardization!.Mean);
        Assert.Equal(built.Standardization.Scale, grown.Standardization.Scale);
        string added = all[1];
        (exit, string stdout, stderr) = await Index("search", "--model", _encoder, "--index", _index, "--image", Path.Combine(_catalogue, added), "--top-k", "1");
        Assert.True(exit == 0, stderr);
        Assert.Matches($@"^\s+1  1\.0000  {added}$", stdout.Trim().Split('\n')[1]);
    }

    [Fact]
    public async Task Build_WithMetricCosine_WritesAPlainCosineIndexOfVersionOne_AndAnUnknownMetricIsExitTwo()
    {
        (int exit, _, string stderr) = await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _index, "--metric", "cosine");

        Assert.True(exit == 0, stderr);
        Assert.Equal(IndexMetric.Cosine, EmbeddingIndex.Load(_index).Metric);
        Assert.Equal("1", Pipeline.Data.SafeTensors.SafeTensorsFile.Read(_index).Metadata["format_version"]);

        (exit, _, stderr) = await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _temp.File("x.index"), "--metric", "euclidean");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("'euclidean'", stderr);
        Assert.Contains("standardized-cosine", stderr);
        Assert.False(File.Exists(_temp.File("x.index")));
    }

    [Fact]
    public async Task Remove_TakesTheEntriesOut_AndAnUnknownIdIsRefusedWithNothingWritten()
    {
        Assert.Equal(0, (await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _index)).Exit);
        string list = _temp.File("gone.txt");
        File.WriteAllText(list, "flat/021.png\n");

        (int exit, string stdout, string stderr) = await Index("remove", "--index", _index, "--id", "horizontal/000.png", "--id", "vertical/010.png", "--ids", list);

        Assert.True(exit == 0, stderr);
        Assert.Contains("removed 3 entries", stdout);
        EmbeddingIndex index = EmbeddingIndex.Load(_index);
        Assert.Equal(27, index.Count);
        Assert.False(index.Contains("vertical/010.png"));

        byte[] before = File.ReadAllBytes(_index);
        (exit, _, stderr) = await Index("remove", "--index", _index, "--id", "horizontal/001.png", "--id", "no/such.png");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("'no/such.png'", stderr);
        Assert.Equal(before, File.ReadAllBytes(_index));

        (exit, _, stderr) = await Index("remove", "--index", _index);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--id", stderr);
    }

    [Theory]
    [InlineData("add")]
    [InlineData("search")]
    [InlineData("serve")]
    public async Task AnotherModelThanTheIndexs_IsRefusedWithExitTwo_AndNothingWritten(string verb)
    {
        Assert.Equal(0, (await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _index)).Exit);
        byte[] before = File.ReadAllBytes(_index);
        string[] arguments = verb switch
        {
            "add" => ["index", "add", "--model", _other, "--index", _index, "--data", "folder:" + _catalogue, "--replace"],
            "search" => ["index", "search", "--model", _other, "--index", _index, "--image", Path.Combine(_catalogue, "flat", "020.png")],
            _ => ["serve", "--model", _other, "--index", _index, "--urls", "http://127.0.0.1:0"],
        };

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), arguments);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("not comparable", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("1.0000", stdout);
        Assert.Equal(before, File.ReadAllBytes(_index));
    }

    [Fact]
    public async Task AFileThatIsNoIndex_IsAUsageError()
    {
        string text = _temp.File("text.index");
        File.WriteAllText(text, "hello");

        (int exit, _, string stderr) = await Index("show", "--index", text);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"--index {text}", stderr);
        Assert.Equal(ExitCodes.Usage, (await Index("show", "--index", _temp.File("none.index"))).Exit);
    }

    [Fact]
    public async Task Show_SaysWhatTheIndexHolds()
    {
        Assert.Equal(0, (await Index("build", "--model", _encoder, "--data", "folder:" + _catalogue, "--out", _index)).Exit);

        (int exit, string stdout, _) = await Index("show", "--index", _index);

        Assert.Equal(0, exit);
        Assert.Contains("30 entries of 5 floats (standardized-cosine)", stdout);
        Assert.Contains("  flat/020.png", stdout);
        Assert.Contains("… and 25 more", stdout);
    }

    private Task<(int Exit, string Stdout, string Stderr)> Index(params string[] arguments) =>
        CliRunner.RunAsync(InferCommand.Create(), ["index", .. arguments]);
}
