using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class ElboEvaluationTests
{
    [Fact]
    public void EvaluateElbo_RunOfAMethodWithoutOne_IsRefusedNamingTheProtocolsThatApply()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var run = new RunDirectory(folder.File("run"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: "ae"), images, run, resume: false);

        var error = Assert.Throws<InvalidSettingException>(() =>
            RunEvaluation.EvaluateElbo(run, null, "fashion-mnist:test", samples: 1, seed: 0, CPU));

        Assert.Contains("trained with ae", error.Message);
        Assert.Equal("protocol", error.Setting);
        Assert.Contains("Score its embeddings with protocol knn or linear", error.Message);
        Assert.Contains("Score its embeddings with --protocol knn or linear", error.Describe(setting => "--" + setting));
        Assert.False(Directory.Exists(run.EvaluationDirectory));
    }
}
