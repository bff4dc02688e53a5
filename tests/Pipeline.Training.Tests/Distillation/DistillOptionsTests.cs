using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Distillation;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Tests.Distillation;

/// <summary><see cref="DistillOptions"/>: the distill verb's settings as a library type, checked and resolved without a shell.</summary>
public sealed class DistillOptionsTests
{
    private static readonly string[] Classes = ["a", "b"];

    private static readonly ImageSet Images = Synthetic(Enumerable.Range(0, 1000).Select(i => i % 2).ToArray());

    private static readonly PretrainConfig Student = new SimClrPretrainOptions().Resolve(Images);

    private static readonly TeacherFile[] Teachers = [new("/teachers/one.onnx", new string('a', 64))];

    private static ImageSet Synthetic(int[]? labels) =>
        new("synthetic", Enumerable.Range(0, 1000 * 28 * 28).Select(i => (byte)(i % 251)).ToArray(), 1000, 1, 28, 28, labels, labels is null ? [] : Classes);

    private static DistillOptions Options() => new() { Teachers = ["teacher.onnx"], Student = "runs/simclr", Output = "runs/distilled" };

    private static PretrainConfig Resolve(DistillOptions options, ImageSet? images = null, string[]? classNames = null) =>
        options.Resolve(Student, "step-1.safetensors", Teachers, classNames ?? Classes, images ?? Images);

    private static DistillationSettings Distillation(DistillOptions options, ImageSet? images = null) =>
        Assert.IsType<DistillationSettings>(Resolve(options, images).Method);

    [Fact]
    public void Resolve_LeftOut_TakesSimClrV2sSettings_TheStudentRunsAdamSchedule_AndNoLabelledTerm()
    {
        PretrainConfig config = Resolve(Options());

        Assert.Equal(PretextMethods.Distill, config.Method.Name);
        Assert.Equal(Student.Encoder, config.Encoder);
        Assert.Equal(new OptimizerSettings(OptimizerKind.AdamW, 1e-3, 0.9, 1e-6, 4), config.Optimizer);
        Assert.Equal((10, 256, 4), (config.Epochs, config.BatchSize, config.CheckpointEvery));
        DistillationSettings distillation = Assert.IsType<DistillationSettings>(config.Method);
        Assert.Equal(Teachers, distillation.Teachers);
        Assert.Equal(("step-1.safetensors", 1.0, TeacherInput.View), (distillation.StudentInit, distillation.Temperature, distillation.TeacherInput));
        Assert.Equal(DistillationSettings.DefaultAugmentation, distillation.Augmentation);
        Assert.Equal(Classes, distillation.ClassNames);
        Assert.Null(distillation.Labelled);
        Assert.Equal(TrainingPrecision.Fp32, config.Precision);
        Assert.Equal(TrainingPrecision.Bf16, Resolve(Options() with { Precision = TrainingPrecision.Bf16 }).Precision);
    }

    [Fact]
    public void Resolve_WithLabels_DrawsThemClassBalancedFromTheSeed_WithTheTermsDefaults()
    {
        LabelledTerm labelled = Distillation(Options() with { Labels = "1%", Seed = 3 }).Labelled!;
        LabelledTerm again = Distillation(Options() with { Labels = "1%", Seed = 3 }).Labelled!;
        LabelledTerm otherSeed = Distillation(Options() with { Labels = "1%", Seed = 4 }).Labelled!;

        Assert.Equal(10, labelled.LabelledIds.Count);
        Assert.Equal(5, labelled.LabelledIds.Count(id => Images.Labels![ImageIds.Resolve(Images, [id], "test")[0]] == 0));
        Assert.Equal((LabelledTerm.DefaultWeight, LabelledTerm.DefaultBatchSize), (labelled.Weight, labelled.BatchSize));
        Assert.Equal(labelled.LabelledIds, again.LabelledIds);
        Assert.NotEqual(labelled.LabelledIds, otherSeed.LabelledIds);
    }

    [Fact]
    public void Resolve_GivenSettings_AreTheStudentsViewsAndTheTerms()
    {
        DistillOptions options = Options() with
        {
            Labels = "1%", LabelledWeight = 2, LabelledBatchSize = 8, Temperature = 0.5, MinCropScale = 0.3, FlipProbability = 0, TeacherInput = TeacherInput.Image,
        };

        DistillationSettings distillation = Distillation(options);

        Assert.Equal((2.0, 8), (distillation.Labelled!.Weight, distillation.Labelled.BatchSize));
        Assert.Equal((0.5, TeacherInput.Image), (distillation.Temperature, distillation.TeacherInput));
        Assert.Equal(((0.3, 1.0), 0.0), (distillation.Augmentation.CropScale, distillation.Augmentation.HorizontalFlipProbability));
    }

    [Fact]
    public void Resolve_LabelsOfDataWithOtherClassesThanTheTeachers_IsRefusedAsTheData_NamingLabels()
    {
        var error = Assert.Throws<InvalidSettingException>(() => Resolve(Options() with { Labels = "1%" }, classNames: ["b", "a"]));

        Assert.Equal("data", error.Setting);
        Assert.Contains("--labels needs the same classes in the same order", error.Describe(setting => "--" + setting));
    }

    [Fact]
    public void Resolve_LabelsOfUnlabelledData_IsRefusedAsTheData_SayingToLeaveThemOut()
    {
        var error = Assert.Throws<InvalidSettingException>(() => Resolve(Options() with { Labels = "1%" }, Synthetic(labels: null)));

        Assert.Equal("data", error.Setting);
        Assert.Contains("or leave --labels out.", error.Describe(setting => "--" + setting));
    }

    [Fact]
    public void Resolve_WithoutLabels_NeedsNoLabelledData()
    {
        Assert.Null(Distillation(Options(), Synthetic(labels: null)).Labelled);
    }

    [Theory]
    [InlineData("labelled-weight")]
    [InlineData("labelled-batch-size")]
    public void Validate_ALabelledTermSettingWithoutLabels_IsRefusedSayingToGiveLabels(string setting)
    {
        DistillOptions options = setting == "labelled-weight" ? Options() with { LabelledWeight = 2 } : Options() with { LabelledBatchSize = 8 };

        var error = Assert.Throws<InvalidSettingException>(options.Validate);

        Assert.Equal(setting, error.Setting);
        Assert.Equal($"--{setting} shapes the labelled term, which only --labels adds: give --labels too, or leave --{setting} out.",
            error.Describe(name => "--" + name));
    }

    [Theory]
    [InlineData("teacher")]
    [InlineData("temperature")]
    [InlineData("flip-probability")]
    [InlineData("labels")]
    [InlineData("labelled-batch-size")]
    [InlineData("device")]
    [InlineData("precision")]
    public void Validate_AnOutOfRangeSetting_IsRefusedByItsName(string setting)
    {
        DistillOptions options = setting switch
        {
            "teacher" => Options() with { Teachers = [] },
            "temperature" => Options() with { Temperature = 0 },
            "flip-probability" => Options() with { FlipProbability = 1.5 },
            "labels" => Options() with { Labels = "no such file or fraction" },
            "labelled-batch-size" => Options() with { Labels = "1%", LabelledBatchSize = 1 },
            "precision" => Options() with { Precision = (TrainingPrecision)7 },
            _ => Options() with { Device = "tpu" },
        };

        var error = Assert.Throws<InvalidSettingException>(options.Validate);

        Assert.Equal(setting, error.Setting);
    }

    [Fact]
    public void Validate_TheDefaults_AreAccepted() => Options().Validate();
}
