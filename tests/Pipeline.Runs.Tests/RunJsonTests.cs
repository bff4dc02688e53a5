using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Runs.Tests;

public sealed class RunJsonTests : IDisposable
{
    private enum Likelihood { Bernoulli, GaussianFixed }

    private sealed record Record(string RunName, Likelihood Likelihood, double? BestLoss, double Loss);

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(WarmStage), "warm")]
    private abstract record Stage(double LearningRate);

    private sealed record WarmStage(double LearningRate, int StageEpochs) : Stage(LearningRate);

    private sealed record Run(string RunName, double? BestLoss, IReadOnlyList<Stage> Stages, IReadOnlyDictionary<string, string> Files,
        IReadOnlyDictionary<string, Record> CountsByClass);

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
    public void Read_ASnakeCaseFileWrittenBeforeTheOneCasing_ReadsAsItsCamelCaseWriting()
    {
        // As the retired snake_case options wrote it: snake_case names, enums as numbers; dictionary keys are data, kept.
        const string json = """
            {
              "run_name": "a",
              "best_loss": null,
              "stages": [ { "kind": "warm", "learning_rate": 0.1, "stage_epochs": 2 } ],
              "files": { "training_model.onnx": "ab12" },
              "counts_by_class": { "t_shirt": { "run_name": "b", "likelihood": 1, "best_loss": 0.5, "loss": 2 } }
            }
            """;

        Run read = RunJson.Read<Run>(json, RunJson.CamelCase)!;

        Assert.Equal(("a", null, 0.1, 2), (read.RunName, read.BestLoss, read.Stages[0].LearningRate, ((WarmStage)read.Stages[0]).StageEpochs));
        Assert.Equal(["training_model.onnx"], read.Files.Keys);
        Assert.Equal(new Record("b", Likelihood.GaussianFixed, 0.5, 2), read.CountsByClass["t_shirt"]);
    }

    [Fact]
    public void Read_AMemberUnderBothNames_TakesTheCamelCaseOne()
    {
        Assert.Equal(0.25, RunJson.Read<Record>("""{"bestLoss": 0.25, "best_loss": 0.5}""", RunJson.CamelCase)!.BestLoss);
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

        RunJson.Write(path, record, RunJson.CamelCase);

        Assert.Equal(JsonSerializer.Serialize(record, RunJson.CamelCase), File.ReadAllText(path));
        Assert.Equal(record, RunJson.Read<Record>(File.ReadAllText(path), RunJson.CamelCase));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Options_AreShared_AndCannotBeChanged()
    {
        Assert.Same(RunJson.CamelCase, RunJson.CamelCase);
        Assert.True(RunJson.CamelCase.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => RunJson.CamelCase.WriteIndented = false);
    }
}
