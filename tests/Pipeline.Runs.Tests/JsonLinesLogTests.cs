namespace Pipeline.Runs.Tests;

public sealed class JsonLinesLogTests : IDisposable
{
    private sealed record Step(long Number, double Loss);

    private sealed record BestStep(long Number, double BestLoss);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_AppendsOneLinePerRecord_ReadableWhileTheLogIsOpen()
    {
        string path = _temp.File("metrics.jsonl");
        File.WriteAllText(path, "{\"number\":1,\"loss\":3}\n");

        using JsonLinesLog<Step> log = JsonLinesLog<Step>.Open(path, RunJson.CamelCase);
        log.Write(new Step(2, 2.5));

        Assert.Equal(["{\"number\":1,\"loss\":3}", "{\"number\":2,\"loss\":2.5}"], ReadShared(path));
        Assert.Equal([new Step(1, 3), new Step(2, 2.5)], JsonLinesLog<Step>.Read(path, RunJson.CamelCase));
    }

    [Fact]
    public void Open_WithKeep_DropsTheRecordsItDoesNotKeep_AndALineCutShort_KeepingTheOthersAsWritten()
    {
        string path = _temp.File("metrics.jsonl");
        File.WriteAllText(path, "{\"number\":1,  \"loss\":3}\n{\"number\":2,\"loss\":2}\n{\"number\":3,\"loss\":1}\n{\"number\":4,\"lo");

        using (JsonLinesLog<Step> log = JsonLinesLog<Step>.Open(path, RunJson.CamelCase, keep: step => step.Number <= 2))
        {
            log.Write(new Step(3, 1.5));
        }

        Assert.Equal(["{\"number\":1,  \"loss\":3}", "{\"number\":2,\"loss\":2}", "{\"number\":3,\"loss\":1.5}"], File.ReadAllLines(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Open_WithKeep_WritesTheKeptRecordsOfASnakeCaseLogAgainInCamelCase()
    {
        string path = _temp.File("metrics.jsonl");
        File.WriteAllText(path, "{\"number\":1,\"best_loss\":3}\n{\"number\":2,\"best_loss\":2}\n");

        using (JsonLinesLog<BestStep> log = JsonLinesLog<BestStep>.Open(path, RunJson.CamelCase, keep: step => step.Number <= 1))
        {
            log.Write(new BestStep(2, 1.5));
        }

        Assert.Equal(["{\"number\":1,\"bestLoss\":3}", "{\"number\":2,\"bestLoss\":1.5}"], File.ReadAllLines(path));
        Assert.Equal([new BestStep(1, 3), new BestStep(2, 1.5)], JsonLinesLog<BestStep>.Read(path, RunJson.CamelCase));
    }

    [Fact]
    public void Open_NoFileYet_CreatesIt()
    {
        string path = _temp.File("metrics.jsonl");

        using (JsonLinesLog<Step> log = JsonLinesLog<Step>.Open(path, RunJson.CamelCase, keep: _ => false))
        {
            log.Write(new Step(1, 0.5));
        }

        Assert.Equal(["{\"number\":1,\"loss\":0.5}"], File.ReadAllLines(path));
    }

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
