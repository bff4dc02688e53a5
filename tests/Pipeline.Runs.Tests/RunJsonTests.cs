using System.Text.Json;

namespace Pipeline.Runs.Tests;

public sealed class RunJsonTests : IDisposable
{
    private enum Likelihood { Bernoulli, GaussianFixed }

    private sealed record Record(string RunName, Likelihood Likelihood, double? BestLoss, double Loss);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CamelCase_WritesCamelCaseNames_EnumsAsCamelCaseStrings_NullsAndNaN_Indented()
    {
        string json = JsonSerializer.Serialize(new Record("a", Likelihood.GaussianFixed, null, double.NaN), RunJson.CamelCase);

        Assert.Equal("{\n  \"runName\": \"a\",\n  \"likelihood\": \"gaussianFixed\",\n  \"bestLoss\": null,\n  \"loss\": \"NaN\"\n}",
            json.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void SnakeCase_WritesSnakeCaseNames_EnumsAsNumbers_Nulls()
    {
        Assert.Equal("""{"run_name":"a","likelihood":1,"best_loss":null,"loss":0.5}""",
            RunJson.OneLine(new Record("a", Likelihood.GaussianFixed, null, 0.5), RunJson.SnakeCase));
    }

    [Fact]
    public void CamelCase_ReadsWhatHandWrittenFilesHold_CommentsTrailingCommasAnyCaseNumbersAsStrings()
    {
        const string json = """
            {
              // a comment
              "RunName": "a",
              "likelihood": "gaussianFixed",
              "loss": "0.25",
            }
            """;

        Assert.Equal(new Record("a", Likelihood.GaussianFixed, null, 0.25), JsonSerializer.Deserialize<Record>(json, RunJson.CamelCase));
    }

    [Fact]
    public void OneLine_WritesNoLineBreak_WhateverTheOptionsIndent()
    {
        Assert.Equal("""{"runName":"a","likelihood":"bernoulli","bestLoss":1.5,"loss":2}""",
            RunJson.OneLine(new Record("a", Likelihood.Bernoulli, 1.5, 2), RunJson.CamelCase));
    }

    [Fact]
    public void Write_WritesTheIndentedFileWhole_AndReplacesAnOldOne()
    {
        string path = _temp.File("run.json");
        File.WriteAllText(path, "old");
        var record = new Record("a", Likelihood.Bernoulli, 1.5, 2);

        RunJson.Write(path, record, RunJson.SnakeCase);

        Assert.Equal(JsonSerializer.Serialize(record, RunJson.SnakeCase), File.ReadAllText(path));
        Assert.Equal(record, JsonSerializer.Deserialize<Record>(File.ReadAllText(path), RunJson.SnakeCase));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Options_AreShared_AndCannotBeChanged()
    {
        Assert.Same(RunJson.CamelCase, RunJson.CamelCase);
        Assert.True(RunJson.CamelCase.IsReadOnly);
        Assert.True(RunJson.SnakeCase.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => RunJson.SnakeCase.WriteIndented = false);
    }
}
