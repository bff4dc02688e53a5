using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Inference.Selection;
using Pipeline.Inference.Tests.FineTuning;

namespace Pipeline.Inference.Tests.Selection;

/// <summary>A selection round as a library call: a real encoder over a real folder of images, no command line.</summary>
public sealed class SelectionJobTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _encoder;
    private readonly DatasetUri _pool;

    public SelectionJobTests()
    {
        _encoder = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5).Write(_temp.File("encoder.onnx"));
        _pool = new DatasetUri.Folder(TestImages.WriteClassFolders(FineTuneFixture.Images(10), Path.Combine(_temp.Path, "pool")));
    }

    public void Dispose() => _temp.Dispose();

    private SelectionOptions Options(int budget, SelectionStrategy strategy = SelectionStrategy.KCenter) => new()
    {
        Model = _encoder,
        Data = _pool,
        Budget = budget,
        Strategy = strategy,
        Output = Path.Combine(_temp.Path, "chosen.csv"),
    };

    [Fact]
    public void Run_WritesTheChosenImages_AndReturnsWhatTheyWereChosenFrom()
    {
        SelectionOptions options = Options(6);
        SelectionPlan? plan = null;
        var embedded = new List<int>();

        SelectionJobResult done = new SelectionJob().Run(options, told => plan = told, new SynchronousProgress<int>(embedded.Add));

        Assert.Equal((30, 0, 5), (plan!.Pool.Count, plan.Labelled, plan.EmbeddingDim));
        Assert.Equal(30, embedded[^1]);
        Assert.Equal(SelectionStrategy.KCenter, done.Selection.Strategy);
        Assert.Equal((30, 5), (done.Embeddings!.Count, done.Embeddings.Dim));
        Assert.False(done.FromCache);
        IReadOnlyList<string> ids = ImageIdFile.Read(options.Output);
        Assert.Equal(done.Selection.Images.Select(image => ImageIds.Of(done.Pool, image.Index)), ids);
        Assert.Equal(6, ids.Distinct().Count());
    }

    [Fact]
    public void Run_WithLabelledAndACache_ContinuesFromTheLabelled_AndReadsTheCacheTheSecondTime()
    {
        SelectionJobResult round1 = new SelectionJob().Run(Options(6));
        string cache = _temp.File("pool.safetensors");
        SelectionOptions round2 = Options(24) with { Labelled = round1.Output, EmbeddingCache = cache, Output = _temp.File("round2.csv") };

        SelectionJobResult made = new SelectionJob().Run(round2);
        SelectionJobResult read = new SelectionJob().Run(round2 with { Output = _temp.File("again.csv") });

        Assert.Equal((6, false, true), (made.Labelled, made.FromCache, read.FromCache));
        Assert.Equal(File.ReadAllText(made.Output), File.ReadAllText(read.Output));
        Assert.Equal(ImageFolderReader.ListImageFiles(((DatasetUri.Folder)_pool).Path).Order(),
            ImageIdFile.Read(round1.Output).Concat(ImageIdFile.Read(made.Output)).Order());
    }

    [Fact]
    public void Run_RefusedByThePlan_RunsNoImage_AndWritesNothing()
    {
        SelectionOptions options = Options(2);
        int embedded = 0;

        Assert.Throws<InvalidOperationException>(() => new SelectionJob().Run(options, _ => throw new InvalidOperationException("refused"),
            new SynchronousProgress<int>(_ => embedded++)));

        Assert.Equal(0, embedded);
        Assert.False(File.Exists(options.Output));
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { "budget", "31 is more than the 30 images" },
        { "embedding-cache", "works on the pool's embeddings, and margin ranks by a classifier's probabilities" },
        { "labelled", "does not exist" },
        { "out", "give a file in a folder that exists" },
        { "seed", "must be 0 or a positive whole number, not -1." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Run_WithABadSetting_NamesTheSettingAndNoOption_AndWritesNothing(string setting, string message)
    {
        SelectionOptions options = Options(2);
        options = setting switch
        {
            "budget" => options with { Budget = 31 },
            "embedding-cache" => options with { Strategy = SelectionStrategy.Margin, EmbeddingCache = _temp.File("pool.safetensors") },
            "labelled" => options with { Labelled = _temp.File("none.csv") },
            "out" => options with { Output = Path.Combine(_temp.Path, "no", "such", "chosen.csv") },
            _ => options with { Seed = -1 },
        };

        var error = Assert.Throws<InvalidSettingException>(() => new SelectionJob().Run(options));

        Assert.Equal(setting, error.Setting);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("--", error.Message);
        Assert.False(File.Exists(options.Output));
    }
}
