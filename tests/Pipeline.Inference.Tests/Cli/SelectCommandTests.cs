using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Figures;
using Pipeline.Inference.Cli;
using Pipeline.Inference.Selection;
using Pipeline.Inference.Tests.FineTuning;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class SelectCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _encoder;
    private readonly string _pool;

    public SelectCommandTests()
    {
        _encoder = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5).Write(_temp.File("encoder.onnx"));
        _pool = TestImages.WriteClassFolders(FineTuneFixture.Images(10), Path.Combine(_temp.Path, "pool"));
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("typiclust")]
    [InlineData("kcenter")]
    [InlineData("random")]
    [InlineData("maxherding")]
    public async Task Select_WritesTheChosenImagesByPath_AndFineTuneTrainsOnThem(string strategy)
    {
        string list = Path.Combine(_temp.Path, "to-label.csv");

        (int exit, string stdout, string stderr) = await Select("--budget", "6", "--strategy", strategy, "--out", list);

        Assert.True(exit == 0, stderr);
        Assert.Contains($"selected 6 of 30 images of folder:{_pool} by {strategy}", stdout);
        Assert.Contains("the labels were not used to choose", stdout);
        string[] lines = File.ReadAllLines(list);
        Assert.Equal(SelectionFile.Header, lines[0]);
        Assert.Equal(6, lines.Length - 1);
        IReadOnlyList<string> ids = ImageIdFile.Read(list);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(_pool, id)), id));
        Assert.Equal(6, ids.Distinct().Count());

        await AssertFineTuneTrainsOn(list, 6);
    }

    [Fact]
    public async Task Select_ByMargin_RanksTheUnlabelledImagesByTheClassifiersMargin_AndFineTuneTrainsOnThem()
    {
        string round1 = Path.Combine(_temp.Path, "round1.csv");
        string round2 = Path.Combine(_temp.Path, "round2.csv");
        string classifier = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5)
            .WriteClassifier(_temp.File("inference_model.onnx"), ["diagonal", "horizontal", "vertical"]);
        Assert.Equal(0, (await Select("--budget", "6", "--strategy", "kcenter", "--out", round1)).Exit);

        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "select", "--model", classifier,
            "--data", "folder:" + _pool, "--budget", "5", "--strategy", "margin", "--labelled", round1, "--out", round2);

        Assert.True(exit == 0, stderr);
        Assert.Contains("by margin", stdout);
        Assert.Contains("classifying", stdout);
        string[][] rows = [.. File.ReadAllLines(round2).Skip(1).Select(line => line.Split(','))];
        Assert.Equal(5, rows.Length);
        Assert.Empty(rows.Select(row => row[0]).Intersect(ImageIdFile.Read(round1)));
        Assert.All(rows, row => Assert.Equal("margin", row[2]));
        double[] margins = [.. rows.Select(row => double.Parse(row[7], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(margins.Order(), margins);
        Assert.All(margins, margin => Assert.InRange(margin, 0, 1));

        await AssertFineTuneTrainsOn(round2, 5);
    }

    [Fact]
    public async Task Select_ByMarginWithAnEncoder_SaysToGiveAClassifier_AndWritesNothing()
    {
        string output = Path.Combine(_temp.Path, "out.csv");

        (int exit, _, string stderr) = await Select("--budget", "2", "--strategy", "margin", "--out", output);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("it is not a classifier from pipeline-infer finetune", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Select_IsDeterministicForASeed()
    {
        string first = Path.Combine(_temp.Path, "first.csv");
        string again = Path.Combine(_temp.Path, "again.csv");

        Assert.Equal(0, (await Select("--budget", "5", "--seed", "3", "--out", first)).Exit);
        Assert.Equal(0, (await Select("--budget", "5", "--seed", "3", "--out", again)).Exit);

        Assert.Equal(File.ReadAllText(first), File.ReadAllText(again));
    }

    [Fact]
    public async Task Select_WithAnEmbeddingCache_ReadsItForTheSameModelAndImagesOnly()
    {
        string cache = Path.Combine(_temp.Path, "pool.safetensors");
        string first = Path.Combine(_temp.Path, "first.csv");
        string again = Path.Combine(_temp.Path, "again.csv");
        string otherModel = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5, seed: 2).Write(_temp.File("other.onnx"));

        (int exit, string stdout, string stderr) = await Select("--budget", "4", "--embedding-cache", cache, "--out", first);
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("from the cache", stdout);
        Assert.True(File.Exists(cache));

        (exit, stdout, stderr) = await Select("--budget", "4", "--embedding-cache", cache, "--out", again);
        Assert.True(exit == 0, stderr);
        Assert.Contains("(from the cache)", stdout);
        Assert.Equal(File.ReadAllText(first), File.ReadAllText(again));

        (exit, stdout, stderr) = await CliRunner.RunAsync(InferCommand.Create(), "select", "--model", otherModel, "--data", "folder:" + _pool,
            "--budget", "4", "--embedding-cache", cache, "--out", again);
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("from the cache", stdout);

        File.WriteAllText(cache, "not safetensors");
        (exit, _, stderr) = await Select("--budget", "4", "--embedding-cache", cache, "--out", again);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("is not an embedding cache", stderr);
    }

    [Fact]
    public async Task Select_WithLabelled_ContinuesWithoutChoosingThemAgain()
    {
        string round1 = Path.Combine(_temp.Path, "round1.csv");
        string round2 = Path.Combine(_temp.Path, "round2.csv");
        Assert.Equal(0, (await Select("--budget", "6", "--strategy", "kcenter", "--out", round1)).Exit);

        (int exit, string stdout, string stderr) = await Select("--budget", "24", "--strategy", "kcenter", "--labelled", round1, "--out", round2);

        Assert.True(exit == 0, stderr);
        Assert.Contains("6 already labelled", stdout);
        Assert.Equal(
            ImageFolderReader.ListImageFiles(_pool).Order(),
            ImageIdFile.Read(round1).Concat(ImageIdFile.Read(round2)).Order());
    }

    [Theory]
    [InlineData(new[] { "--budget", "0" }, "--budget")]
    [InlineData(new[] { "--budget", "31" }, "--budget 31 is more than the 30 images")]
    [InlineData(new[] { "--budget", "2", "--strategy", "uncertainty" }, "uncertainty")]
    [InlineData(new[] { "--budget", "2", "--strategy", "margin", "--embedding-cache", "pool.safetensors" }, "--embedding-cache works on the pool's embeddings")]
    [InlineData(new[] { "--budget", "2", "--strategy", "kcenter", "--bandwidth", "0.5" }, "--bandwidth is the width of maxherding's kernel, and the strategy is kcenter: leave --bandwidth out.")]
    [InlineData(new[] { "--budget", "2", "--strategy", "maxherding", "--bandwidth", "3" }, "--bandwidth must be above 0 and at most 2")]
    [InlineData(new[] { "--budget", "2", "--strategy", "maxherding", "--bandwidth", "0" }, "--bandwidth")]
    [InlineData(new[] { "--budget", "2001", "--strategy", "maxherding" }, "--budget must be at most 2000 for maxherding")]
    [InlineData(new[] { "--budget", "2", "--labelled", "LABELLED" }, "names 1 image(s) that folder:")]
    [InlineData(new[] { "--budget", "2", "--labelled", "MISSING" }, "--labelled ")]
    public async Task Select_BadRequests_ExitTwoWithOneLineAndWriteNothing(string[] options, string message)
    {
        string labelled = _temp.File("labelled.csv");
        File.WriteAllText(labelled, "id\nhorizontal/000.png\nno/such.png\n");
        string output = Path.Combine(_temp.Path, "out.csv");
        string[] arguments = options.Select(o => o == "LABELLED" ? labelled : o == "MISSING" ? Path.Combine(_temp.Path, "none.csv") : o).ToArray();

        (int exit, _, string stderr) = await Select([.. arguments, "--out", output]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Select_IntoAFolderThatDoesNotExist_IsRefusedBeforeEmbedding()
    {
        (int exit, string stdout, string stderr) = await Select("--budget", "2", "--out", Path.Combine(_temp.Path, "no", "such", "out.csv"));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("give a file in a folder that exists", stderr);
        Assert.DoesNotContain("embedding", stdout + stderr);
    }

    [Fact]
    public async Task Select_WithPictures_DrawsTheMapAndAGridOfTheChosenImagesInPickOrder()
    {
        string list = Path.Combine(_temp.Path, "round1.csv");
        string prefix = Path.Combine(_temp.Path, "round1");

        (int exit, string stdout, string stderr) = await Select("--budget", "12", "--strategy", "kcenter", "--out", list, "--pictures", prefix);

        Assert.True(exit == 0, stderr);
        Assert.Contains($"the map → {prefix}-map.png, the 12 chosen images → {prefix}-grid.png", stdout);
        using (SKBitmap map = SKBitmap.Decode(prefix + "-map.png"))
        {
            Assert.Equal((Charts.Width, Charts.Height), (map.Width, map.Height));
        }
        // 12 images of 8×8, 10 a row, enlarged 3× with a 1-pixel gap around each: 2 rows.
        using SKBitmap grid = SKBitmap.Decode(prefix + "-grid.png");
        int scale = SelectionPictures.GridScale(new ImageShape(1, 8, 8));
        Assert.Equal(3, scale);
        Assert.Equal(((10 * (8 + ImageGrid.Gap) + ImageGrid.Gap) * scale, (2 * (8 + ImageGrid.Gap) + ImageGrid.Gap) * scale), (grid.Width, grid.Height));
        // Cell k holds the k-th image of the CSV, pixel for pixel.
        ImageSet pool = DatasetLoader.Load("folder:" + _pool, new ImageShape(1, 8, 8));
        int[] chosen = ImageIds.Resolve(pool, ImageIdFile.Read(list), list);
        for (int cell = 0; cell < chosen.Length; cell++)
        {
            int left = (cell % 10 * (8 + ImageGrid.Gap) + ImageGrid.Gap) * scale, top = (cell / 10 * (8 + ImageGrid.Gap) + ImageGrid.Gap) * scale;
            foreach ((int x, int y) in new[] { (0, 0), (3, 5), (7, 7) })
            {
                byte value = pool.Pixels[chosen[cell] * 64 + y * 8 + x];
                Assert.Equal(new SKColor(value, value, value), grid.GetPixel(left + x * scale + 1, top + y * scale + 1));
            }
        }
        Assert.Equal(SKColors.White, grid.GetPixel(grid.Width - 2, grid.Height - 2));
    }

    [Theory]
    [InlineData("no/such/round1")]
    [InlineData("pool/")]
    public async Task Select_WithPicturesOutsideAFolderThatExists_IsRefusedBeforeEmbedding_AndWritesNothing(string prefix)
    {
        string list = Path.Combine(_temp.Path, "round1.csv");
        string before = string.Join("\n", Directory.GetFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories).Order());

        (int exit, string stdout, string stderr) = await Select("--budget", "2", "--out", list, "--pictures", Path.Combine(_temp.Path, prefix));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--pictures ", stderr);
        Assert.Contains("give the start of a file name in a folder that exists", stderr);
        Assert.DoesNotContain("embedding", stdout + stderr);
        Assert.Equal(before, string.Join("\n", Directory.GetFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories).Order()));
    }

    // finetune --labels takes the selection back: it trains on exactly the chosen images.
    private async Task AssertFineTuneTrainsOn(string list, int count)
    {
        (int exit, string stdout, string stderr) = await CliRunner.RunAsync(InferCommand.Create(), "finetune", "--model", _encoder,
            "--data", "folder:" + _pool, "--labels", list, "--validation", "0%", "--epochs", "2", "--out", Path.Combine(_temp.Path, "run"));
        Assert.True(exit == 0, stderr);
        Assert.Contains($"on {count} labels of folder:", stdout);
    }

    private Task<(int Exit, string Stdout, string Stderr)> Select(params string[] options) =>
        CliRunner.RunAsync(InferCommand.Create(), ["select", "--model", _encoder, "--data", "folder:" + _pool, .. options]);
}
