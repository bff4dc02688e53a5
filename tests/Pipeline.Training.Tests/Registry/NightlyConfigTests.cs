using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry.Nightly;

namespace Pipeline.Training.Tests.Registry;

/// <summary><c>nightly.json</c> read in-process: its <c>pretrain</c> section is the pretraining options the verb binds.</summary>
public sealed class NightlyConfigTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_TheReadmesExample_BindsItsPretrainSectionToTheMethodsOptions()
    {
        NightlyConfig config = Load("""
            {
              "registry": "azblob://models",
              "model": "fashion-encoder",
              "workDirectory": "runs/nightly",
              "mirrorSeconds": 30,
              "pretrain": { "method": "simclr", "encoder": "resnet18", "epochs": 100, "batch-size": 512, "device": "cuda" },
              "evaluation": { "protocol": "linear", "labels": "10%", "data": "fashion-mnist:test" },
              "promotion": { "margin": 0.002 }
            }
            """);

        Assert.Equal(new SimClrPretrainOptions { Encoder = "resnet18", Epochs = 100, BatchSize = 512, Device = "cuda" }, config.Pretrain);
    }

    [Fact]
    public void Load_APretrainSectionOfAnotherMethod_IsThatMethodsOptions()
    {
        NightlyConfig config = Load("""{ "model": "m", "pretrain": { "method": "dae", "mask-prob": 0.5, "optimizer": "sgd" } }""");

        Assert.Equal(new DenoisingPretrainOptions { MaskProbability = 0.5, Optimizer = OptimizerKind.Sgd }, config.Pretrain);
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    public void Load_AdamWByItsNameOrItsFormerOne_IsAdamW(string name)
    {
        NightlyConfig config = Load($$"""{ "model": "m", "pretrain": { "method": "ae", "optimizer": "{{name}}" } }""");

        Assert.Equal(new AutoencoderPretrainOptions { Optimizer = OptimizerKind.AdamW }, config.Pretrain);
    }

    [Fact]
    public void Evaluation_ResolvesToWhatThePretrainJobScoresBeforeTheExport()
    {
        NightlyConfig config = Load("""{ "model": "m", "pretrain": {}, "evaluation": { "protocol": "linear", "labels": "10%", "data": "fashion-mnist:test" } }""");

        RunEvaluationOptions evaluation = config.Evaluation.Resolve();

        Assert.Equal(new[] { (EvaluationProtocol.Linear, LabelFraction.Parse("10%")) }, evaluation.Evaluations);
        Assert.Equal(("fashion-mnist:test", (string?)null, 0), (evaluation.TestData, evaluation.TrainData, evaluation.Seed));
    }

    [Fact]
    public void Load_APretrainSectionOfNull_SaysSo()
    {
        var error = Assert.Throws<InvalidSettingException>(() => Load("""{ "model": "m", "pretrain": null }"""));

        Assert.Contains("pretrain is null", error.Message);
    }

    private NightlyConfig Load(string json)
    {
        string path = _folder.File("nightly.json");
        File.WriteAllText(path, json);
        return NightlyConfig.Load(path);
    }
}
