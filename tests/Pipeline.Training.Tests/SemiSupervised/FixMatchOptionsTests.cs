using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Tests.SemiSupervised;

/// <summary><see cref="FixMatchOptions"/>: the fixmatch verb's settings as a library type, checked and resolved without a shell.</summary>
public sealed class FixMatchOptionsTests
{
    private static readonly ImageSet Images = new("synthetic", Enumerable.Range(0, 1000 * 28 * 28).Select(i => (byte)(i % 251)).ToArray(), 1000, 1, 28, 28,
        Enumerable.Range(0, 1000).Select(i => i % 2).ToArray(), ["a", "b"]);

    private static readonly PretrainConfig Student = new SimClrPretrainOptions().Resolve(Images);

    private static FixMatchOptions Options() => new() { Student = "runs/simclr", Labels = "labelled.csv", Output = "runs/fixmatch" };

    [Fact]
    public void Resolve_LeftOut_TakesThePapersSettings_AndTheStudentRunsAdamSchedule()
    {
        PretrainConfig config = Options().Resolve(Student, "step-1.safetensors", ["1", "2"], Images);

        Assert.Equal(PretextMethods.FixMatch, config.Method.Name);
        Assert.Equal(Student.Encoder, config.Encoder);
        // AdamW 1e-3 at a batch of 256; four steps an epoch, ten epochs, a tenth of them warming up; a checkpoint an epoch.
        Assert.Equal(new OptimizerSettings(OptimizerKind.AdamW, 1e-3, 0.9, 1e-6, 4), config.Optimizer);
        Assert.Equal((10, 256, 4), (config.Epochs, config.BatchSize, config.CheckpointEvery));
        FixMatchSettings fixMatch = Assert.IsType<FixMatchSettings>(config.Method);
        Assert.Equal(("step-1.safetensors", 0.95, 1.0, 64), (fixMatch.StudentInit, fixMatch.Confidence, fixMatch.UnlabelledWeight, fixMatch.LabelledBatchSize));
        Assert.Equal((FixMatchSettings.DefaultWeakAugmentation, FixMatchSettings.DefaultStrongAugmentation), (fixMatch.WeakAugmentation, fixMatch.StrongAugmentation));
        Assert.Equal(["1", "2"], fixMatch.LabelledIds);
        Assert.Equal(["a", "b"], fixMatch.ClassNames);
    }

    [Fact]
    public void Resolve_GivenSettings_AreTheStrongViewsAndTheRunsSettings()
    {
        FixMatchOptions options = Options() with
        {
            MinCropScale = 0.5, ErasingProbability = 0.25, Confidence = 0.8, UnlabelledWeight = 2, Epochs = 3, Seed = 7, Precision = TrainingPrecision.Bf16,
        };

        PretrainConfig config = options.Resolve(Student, "step-1.safetensors", ["1"], Images);

        Assert.Equal(TrainingPrecision.Bf16, config.Precision);
        FixMatchSettings fixMatch = Assert.IsType<FixMatchSettings>(config.Method);
        Assert.Equal(((0.5, 1.0), 0.25), (fixMatch.StrongAugmentation.CropScale, fixMatch.StrongAugmentation.ErasingProbability));
        Assert.Equal((0.8, 2.0, 3, 7), (fixMatch.Confidence, fixMatch.UnlabelledWeight, config.Epochs, config.Seed));
    }

    [Theory]
    [InlineData("labelled-batch-size")]
    [InlineData("confidence")]
    [InlineData("erasing-probability")]
    [InlineData("data")]
    [InlineData("device")]
    public void Validate_AnOutOfRangeSetting_IsRefusedByItsName(string setting)
    {
        FixMatchOptions options = setting switch
        {
            "labelled-batch-size" => Options() with { LabelledBatchSize = 1 },
            "confidence" => Options() with { Confidence = 0 },
            "erasing-probability" => Options() with { ErasingProbability = 1.5 },
            "data" => Options() with { Data = "s3://bucket" },
            _ => Options() with { Device = "tpu" },
        };

        var error = Assert.Throws<InvalidSettingException>(options.Validate);

        Assert.Equal(setting, error.Setting);
    }
}
