using System.Text.Json.Nodes;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Distillation;
using Pipeline.Training.Losses;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Tests.Pretraining;

/// <summary>run.json's method: one object named by its method, and every former shape still read.</summary>
public sealed class RunConfigJsonTests
{
    private static readonly ImageSet Images = new("synthetic", new byte[4 * 28 * 28], 4, 1, 28, 28, null, []);

    [Theory]
    [InlineData("simclr")]
    [InlineData("vae")]
    [InlineData("ae")]
    [InlineData("dae")]
    [InlineData("rotation")]
    [InlineData("distill")]
    [InlineData("fixmatch")]
    public void WriteConfigThenRead_EveryMethod_KeepsItsSettings_InOneObjectNamedByTheMethod(string method)
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        MethodSettings settings = Settings(method);

        run.WriteConfig(TinyRun.Config(Images) with { Method = settings });
        PretrainConfig read = run.ReadConfig();

        Assert.IsType(settings.GetType(), read.Method);
        Assert.Equal(method, read.Method.Name);
        Assert.Equal(Json(settings), Json(read.Method));
        JsonObject written = JsonNode.Parse(File.ReadAllText(run.ConfigPath))!.AsObject();
        Assert.Equal(method, written["method"]!["name"]!.GetValue<string>());
        Assert.Equal("name", written["method"]!.AsObject().First().Key);
        Assert.DoesNotContain(written, property => property.Key is "simClr" or "autoencoder" or "vae" or "distillation" or "fixMatch" or "denoising");
    }

    [Fact]
    public void ReadConfig_TheNameAfterTheSettings_AsAHandEditedFileMayHaveIt_Reads()
    {
        using var folder = new TempDirectory();
        RunDirectory run = Written(folder, """{ "latentDim": 16, "likelihood": "gaussian", "beta": 4, "klWarmupSteps": 100, "name": "vae" }""");

        Assert.Equal(new VaeSettings(16, Likelihood.Gaussian, 4, 100), run.ReadConfig().Method);
    }

    [Theory]
    [InlineData("""{ "name": "byol", "temperature": 0.2 }""")]
    [InlineData("\"byol\"")]
    public void ReadConfig_AnUnknownMethod_IsRefused_NamingTheMethodsThereAre(string method)
    {
        using var folder = new TempDirectory();
        RunDirectory run = Written(folder, method);

        var error = Assert.Throws<InvalidSettingException>(run.ReadConfig);

        Assert.Contains("Unknown method 'byol'", error.Message);
        Assert.Contains(string.Join(", ", PretextMethods.Names), error.Message);
    }

    [Fact]
    public void ReadConfig_FormerSimClr_ReadsItsSectionAsTheMethodsSettings()
    {
        MethodSettings read = ReadFormer("simclr", simClr: """
            {
              "temperature": 0.2,
              "projectionDim": 64,
              "augmentation": {
                "cropScale": [0.2, 1],
                "cropAspectRatio": [0.75, 1.3333333333333333],
                "horizontalFlipProbability": 0.5,
                "colorJitterProbability": 0.8,
                "brightness": 0.4,
                "contrast": 0.4,
                "saturation": 0.4,
                "hue": 0.1,
                "grayscaleProbability": 0.2,
                "blurProbability": 0,
                "blurSigma": [0.1, 2],
                "blurKernelFraction": 0.1
              }
            }
            """);

        Assert.Equal(new SimClrSettings(0.2, 64, new SimClrAugmentationOptions { CropScale = (0.2, 1.0) }), read);
    }

    [Fact]
    public void ReadConfig_FormerVae_ReadsTheAutoencoderAndVaeSections()
    {
        MethodSettings read = ReadFormer("vae", autoencoder: """{ "latentDim": 16, "likelihood": "gaussian" }""", vae: """{ "beta": 4, "klWarmupSteps": 500 }""");

        Assert.Equal(new VaeSettings(16, Likelihood.Gaussian, 4, 500), read);
    }

    [Fact]
    public void ReadConfig_FormerAe_ReadsTheAutoencoderSection()
    {
        MethodSettings read = ReadFormer("ae", autoencoder: """{ "latentDim": 8, "likelihood": "bernoulli" }""");

        Assert.Equal(new AutoencoderSettings(8, Likelihood.Bernoulli), read);
    }

    [Fact]
    public void ReadConfig_FormerDae_ReadsTheAutoencoderAndDenoisingSections()
    {
        MethodSettings read = ReadFormer("dae", autoencoder: """{ "latentDim": 8, "likelihood": "gaussian" }""", denoising: """{ "noiseStd": 0.2, "maskProbability": 0 }""");

        Assert.Equal(new DenoisingSettings(8, Likelihood.Gaussian, 0.2, 0), read);
    }

    [Fact]
    public void ReadConfig_FormerRotation_ReadsAsRotation()
    {
        Assert.Equal(new RotationSettings(), ReadFormer("rotation"));
    }

    [Fact]
    public void ReadConfig_FormerRunWithoutItsSections_ReadsAsTheDefaultsItTrainedWith()
    {
        Assert.Equal(VaeSettings.Default, ReadFormer("vae"));
        Assert.Equal(DenoisingSettings.Default with { LatentDim = 8 }, ReadFormer("dae", autoencoder: """{ "latentDim": 8, "likelihood": "bernoulli" }"""));
        Assert.Equal(SimClrSettings.Default, ReadFormer("simclr"));
    }

    [Fact]
    public void ReadConfig_FormerDistill_ReadsTheDistillationSection()
    {
        var read = Assert.IsType<DistillationSettings>(ReadFormer("distill", distillation: """
            {
              "teachers": [ { "path": "/models/teacher.onnx", "sha256": "ab12" } ],
              "studentInit": "/runs/simclr/checkpoints/step-00000004.safetensors",
              "temperature": 2,
              "classNames": [ "a", "b" ],
              "augmentation": { "cropScale": [0.5, 1], "horizontalFlipProbability": 0.5, "colorJitterProbability": 0, "grayscaleProbability": 0 },
              "teacherInput": "image",
              "labelled": { "labelledIds": [ "3", "7" ], "weight": 1.5, "batchSize": 8 }
            }
            """));

        Assert.Equal([new TeacherFile("/models/teacher.onnx", "ab12")], read.Teachers);
        Assert.Equal(("/runs/simclr/checkpoints/step-00000004.safetensors", 2.0, TeacherInput.Image), (read.StudentInit, read.Temperature, read.TeacherInput));
        Assert.Equal(["a", "b"], read.ClassNames);
        Assert.Equal(((0.5, 1.0), 0.0), (read.Augmentation.CropScale, read.Augmentation.ColorJitterProbability));
        Assert.Equal(["3", "7"], read.Labelled!.LabelledIds);
        Assert.Equal((1.5, 8), (read.Labelled.Weight, read.Labelled.BatchSize));
    }

    [Fact]
    public void ReadConfig_FormerDistillWithOneTeacher_ReadsAsAnEnsembleOfThatTeacher()
    {
        var read = Assert.IsType<DistillationSettings>(ReadFormer("distill", distillation: """
            {
              "teacher": "/models/teacher.onnx",
              "teacherSha256": "ab12",
              "studentInit": "/runs/simclr/step.safetensors",
              "temperature": 1,
              "classNames": [ "a", "b" ],
              "augmentation": { "cropScale": [0.5, 1] }
            }
            """));

        Assert.Equal([new TeacherFile("/models/teacher.onnx", "ab12")], read.Teachers);
        Assert.Equal(("/runs/simclr/step.safetensors", TeacherInput.View), (read.StudentInit, read.TeacherInput));
        Assert.Null(read.Labelled);
    }

    [Fact]
    public void ReadConfig_FormerFixMatch_ReadsTheFixMatchSection()
    {
        var read = Assert.IsType<FixMatchSettings>(ReadFormer("fixmatch", fixMatch: """
            {
              "studentInit": "/runs/distilled/checkpoints/step-00000040.safetensors",
              "labelledIds": [ "1", "2" ],
              "classNames": [ "a", "b" ],
              "confidence": 0.9,
              "unlabelledWeight": 2,
              "labelledBatchSize": 16,
              "weakAugmentation": { "cropScale": [0.8, 1], "colorJitterProbability": 0 },
              "strongAugmentation": { "cropScale": [0.2, 1], "erasingProbability": 1 }
            }
            """));

        Assert.Equal(("/runs/distilled/checkpoints/step-00000040.safetensors", 0.9, 2.0, 16), (read.StudentInit, read.Confidence, read.UnlabelledWeight, read.LabelledBatchSize));
        Assert.Equal(["1", "2"], read.LabelledIds);
        Assert.Equal(["a", "b"], read.ClassNames);
        Assert.Equal(((0.8, 1.0), (0.2, 1.0), 1.0), (read.WeakAugmentation.CropScale, read.StrongAugmentation.CropScale, read.StrongAugmentation.ErasingProbability));
    }

    [Fact]
    public void ReadConfig_FormerRunWithSettingsOfAnotherMethod_IsRefused()
    {
        var error = Assert.Throws<InvalidSettingException>(() => ReadFormer("ae", vae: """{ "beta": 4, "klWarmupSteps": 0 }"""));

        Assert.Contains("has vae settings, which the method ae does not read", error.Message);
    }

    [Fact]
    public void ReadConfig_FormerDistillWithoutItsSection_IsRefused()
    {
        var error = Assert.Throws<InvalidSettingException>(() => ReadFormer("distill"));

        Assert.Contains("is a distill run without its distillation settings", error.Message);
    }

    [Fact]
    public void WriteConfig_OfAFormerRun_WritesTheCurrentShape()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(run.ConfigPath, FormerRunJson("ae", autoencoder: """{ "latentDim": 8, "likelihood": "bernoulli" }"""));

        run.WriteConfig(run.ReadConfig());

        JsonObject written = JsonNode.Parse(File.ReadAllText(run.ConfigPath))!.AsObject();
        Assert.Equal("""{"name":"ae","latentDim":8,"likelihood":"bernoulli"}""", written["method"]!.ToJsonString());
        Assert.False(written.ContainsKey("autoencoder"));
    }

    /// <summary>The settings of <paramref name="method"/>, none at their default.</summary>
    internal static MethodSettings Settings(string method) => method switch
    {
        "simclr" => new SimClrSettings(0.2, 64, new SimClrAugmentationOptions { CropScale = (0.2, 0.9), BlurSigma = (0.3, 1.5) }),
        "vae" => new VaeSettings(16, Likelihood.Gaussian, 4, 100),
        "ae" => new AutoencoderSettings(8, Likelihood.Gaussian),
        "dae" => new DenoisingSettings(8, Likelihood.Bernoulli, 0.2, 0),
        "rotation" => new RotationSettings(),
        "distill" => new DistillationSettings([new TeacherFile("/models/teacher.onnx", "ab12")], "/runs/simclr/step.safetensors", 2,
            ["a", "b"], DistillationSettings.DefaultAugmentation, TeacherInput.Image, new LabelledTerm(["3"], 1.5, 8)),
        "fixmatch" => new FixMatchSettings("/runs/simclr/step.safetensors", ["1", "2"], ["a", "b"], 0.9, 2, 16,
            FixMatchSettings.DefaultWeakAugmentation, FixMatchSettings.DefaultStrongAugmentation),
        _ => throw new ArgumentException($"No settings for {method}.", nameof(method)),
    };

    private static string Json(MethodSettings settings) => RunJson.OneLine(settings, RunJson.CamelCase);

    private static MethodSettings ReadFormer(string method, string simClr = "null", string autoencoder = "null", string vae = "null",
        string distillation = "null", string fixMatch = "null", string denoising = "null")
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.Path);
        File.WriteAllText(run.ConfigPath, FormerRunJson(method, simClr, autoencoder, vae, distillation, fixMatch, denoising));
        return run.ReadConfig().Method;
    }

    /// <summary>A run.json as the pipeline wrote it before the method was one object: its name, then each method's section, null but its own.</summary>
    private static string FormerRunJson(string method, string simClr = "null", string autoencoder = "null", string vae = "null",
        string distillation = "null", string fixMatch = "null", string denoising = "null") => $$"""
        {
          "method": "{{method}}",
          {{Common}},
          "simClr": {{simClr}},
          "autoencoder": {{autoencoder}},
          "vae": {{vae}},
          "distillation": {{distillation}},
          "fixMatch": {{fixMatch}},
          "denoising": {{denoising}}
        }
        """;

    /// <summary>A run.json of the current shape whose method is <paramref name="method"/>, in <paramref name="folder"/>.</summary>
    private static RunDirectory Written(TempDirectory folder, string method)
    {
        var run = new RunDirectory(folder.Path);
        File.WriteAllText(run.ConfigPath, $$"""
            {
              "method": {{method}},
              {{Common}}
            }
            """);
        return run;
    }

    private const string Common = """
        "data": "fashion-mnist:train",
          "limit": null,
          "encoder": { "architecture": "convnet", "inputChannels": 1, "inputHeight": 28, "inputWidth": 28, "embeddingDim": 32, "mean": [ 0.2860406 ], "std": [ 0.35302424 ] },
          "epochs": 1,
          "batchSize": 32,
          "seed": 0,
          "optimizer": { "kind": "adamw", "learningRate": 0.001, "momentum": 0.9, "weightDecay": 1E-06, "warmupSteps": 0, "learningRateChanges": [] },
          "precision": "fp32",
          "checkpointEvery": 2
        """;
}
