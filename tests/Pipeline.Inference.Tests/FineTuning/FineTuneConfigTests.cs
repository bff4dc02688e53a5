using Pipeline.Data.Tests;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneConfigTests : IDisposable
{
    // finetune.json as pipeline-infer finetune wrote it before the one casing: snake_case, enums as numbers, indented.
    private const string Written = """
        {
          "model": "/models/encoder.onnx",
          "model_sha256": "ab12",
          "data": "folder:/data",
          "labels": "1%",
          "head": "linear",
          "unfreeze": "none",
          "optimizer": "adamw",
          "weight_decay": 0.0001,
          "momentum": 0.9,
          "label_smoothing": 0.1,
          "training": {
            "epochs": 100,
            "batch_size": 64,
            "learning_rate": 0.003,
            "warmup_epochs": 0,
            "validation_fraction": 0.1,
            "patience": 20,
            "class_balance": 1,
            "horizontal_flip": false,
            "min_crop_scale": 1,
            "evaluation_batch_size": 256,
            "seed": 0
          }
        }
        """;

    // finetune.json as pipeline-infer finetune writes it now, with every file of the pipeline: camelCase, enums as strings.
    private const string Camel = """
        {
          "model": "/models/encoder.onnx",
          "modelSha256": "ab12",
          "data": "folder:/data",
          "labels": "1%",
          "head": "linear",
          "unfreeze": "none",
          "optimizer": "adamw",
          "weightDecay": 0.0001,
          "momentum": 0.9,
          "labelSmoothing": 0.1,
          "training": {
            "epochs": 100,
            "batchSize": 64,
            "learningRate": 0.003,
            "warmupEpochs": 0,
            "validationFraction": 0.1,
            "patience": 20,
            "classBalance": "on",
            "horizontalFlip": false,
            "minCropScale": 1,
            "evaluationBatchSize": 256,
            "seed": 0
          }
        }
        """;

    private static readonly FineTuneConfig Run = new()
    {
        Model = "/models/encoder.onnx",
        ModelSha256 = "ab12",
        Data = "folder:/data",
        Labels = "1%",
        Head = HeadSpec.Linear,
        Unfreeze = UnfreezeSpec.None,
        Optimizer = FineTuneOptimizer.AdamW,
        WeightDecay = 1e-4,
        Momentum = 0.9,
        LabelSmoothing = 0.1,
        Training = new FineTuneOptions { ClassBalance = ClassBalance.On },
    };

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_ASettingsFileWrittenBeforeTheOneCasing_ReadsAndResumesWithTheSameSettings()
    {
        string before = _temp.File(Path.Combine("before", FineTuneRunFolder.SettingsFile));
        File.WriteAllText(before, Written);

        FineTuneConfig read = new FineTuneRunFolder(Path.GetDirectoryName(before)!).ReadConfig()!;
        Run.RequireSameAs(read, "before");

        Assert.Equal(Run, read);
    }

    [Fact]
    public void WriteConfig_WritesCamelCase_EnumsAsStrings_AndReadsBack()
    {
        var folder = new FineTuneRunFolder(_temp.File("after"));

        folder.WriteConfig(Run);

        Assert.Equal(Camel, File.ReadAllText(folder.SettingsPath).ReplaceLineEndings("\n"));
        Assert.Equal(Run, folder.ReadConfig());
    }

    [Fact]
    public void RequireSameAs_OtherSettings_ListsWhatChanged()
    {
        FineTuneConfig requested = Run with { Head = HeadSpec.Mlp(64), Training = Run.Training with { Epochs = 3 } };

        var error = Assert.Throws<FineTuneRunConflictException>(() => requested.RequireSameAs(Run, "runs/x"));

        Assert.Contains("  changed:   head, training.epochs\n", error.Message);
        Assert.Contains("  recorded:  {\"head\":\"linear\",\"training\":{\"epochs\":100}}\n", error.Message);
        Assert.Contains("  requested: {\"head\":\"mlp:64\",\"training\":{\"epochs\":3}}", error.Message);
    }
}
