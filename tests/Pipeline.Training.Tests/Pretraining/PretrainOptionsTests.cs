using System.Text.Json;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Losses;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Tests.Pretraining;

public sealed class PretrainOptionsTests
{
    private static readonly ImageSet Images = new("synthetic", Enumerable.Range(0, 1000 * 28 * 28).Select(i => (byte)(i % 251)).ToArray(),
        1000, 1, 28, 28, null, []);

    [Fact]
    public void ShippedReferenceRun_ItsOptionsResolveToTheConfigItRecorded_SoItResumesExactly()
    {
        PretrainConfig recorded = new RunDirectory(RepositoryRoot.Combine("models", "fashion-mnist-simclr-convnet6")).ReadConfig();
        var options = Read<SimClrPretrainOptions>("""{ "encoder": "convnet6", "epochs": 40, "temperature": 0.2, "min-crop-scale": 0.2, "precision": "bf16" }""");

        PretrainConfig resolved = options.Resolve(options.LoadImages());

        Assert.Empty(SettingsDifference.Between(recorded, resolved, RunJson.CamelCase).Changed);
    }

    [Fact]
    public void Resolve_LeftOut_TakesEachDefaultOnce_FromTheBatchSizeTheDataAndTheMethod()
    {
        PretrainConfig simClr = new SimClrPretrainOptions { Epochs = 10, BatchSize = 100 }.Resolve(Images);
        PretrainConfig vae = new VaePretrainOptions { Encoder = "convnet6", Epochs = 200, BatchSize = 100 }.Resolve(Images);

        // SGD 0.06·B/128; a tenth of the run; a checkpoint each epoch of 10 steps; the encoder's own width; the data's shape.
        Assert.Equal(new OptimizerSettings(OptimizerKind.Sgd, 0.06 * 100 / 128, 0.9, 5e-4, 10), simClr.Optimizer);
        Assert.Equal(10, simClr.CheckpointEvery);
        Assert.Equal((1, 28, 28, 128), (simClr.Encoder.InputChannels, simClr.Encoder.InputHeight, simClr.Encoder.InputWidth, simClr.Encoder.EmbeddingDim));
        Assert.Equal<MethodSettings>(SimClrSettings.Default, simClr.Method);
        // The autoencoders default to AdamW; warm-up at most 10 epochs.
        Assert.Equal(new OptimizerSettings(OptimizerKind.AdamW, 1e-3, 0.9, 1e-6, 100), vae.Optimizer);
        Assert.Equal(256, vae.Encoder.EmbeddingDim);
        Assert.Equal<MethodSettings>(VaeSettings.Default, vae.Method);
    }

    [Fact]
    public void Resolve_GivenSettings_AreTheConfigs_WithTheColourStrengthScaledAsThePaperDoes()
    {
        var options = new SimClrPretrainOptions
        {
            BatchSize = 100, Epochs = 4, WarmupEpochs = 0.6, LearningRate = 0.3, Optimizer = OptimizerKind.Lars, ColorJitterStrength = 1,
            MinCropScale = 0.3, BlurProbability = 0.5, Limit = 500, EmbeddingDim = 64,
        };

        PretrainConfig config = options.Resolve(Images.Take(500));

        Assert.Equal(new OptimizerSettings(OptimizerKind.Lars, 0.3, 0.9, 1e-6, 3), config.Optimizer);
        Assert.Equal((500, 64), (config.Limit, config.Encoder.EmbeddingDim));
        SimClrAugmentationOptions views = Assert.IsType<SimClrSettings>(config.Method).Augmentation;
        Assert.Equal((0.8, 0.8, 0.8, 0.2), (views.Brightness, views.Contrast, views.Saturation, views.Hue));
        Assert.Equal(((0.3, 1.0), 0.5), (views.CropScale, views.BlurProbability));
    }

    [Theory]
    [InlineData("""{ "method": "vae", "beta": 4, "latent-dim": 16, "likelihood": "gaussian" }""", typeof(VaePretrainOptions))]
    [InlineData("""{ "method": "dae", "noise-std": 0.2 }""", typeof(DenoisingPretrainOptions))]
    [InlineData("""{ "method": "ae" }""", typeof(AutoencoderPretrainOptions))]
    [InlineData("""{ "method": "rotation", "batch-size": 64 }""", typeof(RotationPretrainOptions))]
    [InlineData("""{ "temperature": 0.2 }""", typeof(SimClrPretrainOptions))]
    public void Json_TheMethodChoosesTheOptionsType_AndTheyWriteBackTheSame(string json, Type type)
    {
        PretrainOptions options = Read<PretrainOptions>(json);
        string written = JsonSerializer.Serialize(options, RunJson.CamelCase);

        Assert.IsType(type, options);
        Assert.Equal(options, JsonSerializer.Deserialize<PretrainOptions>(written, RunJson.CamelCase));
        Assert.Contains($"\"method\": \"{options.Method}\"", written);
    }

    [Fact]
    public void Json_TheNightlySettings_BindWithTheirNames()
    {
        var options = Read<VaePretrainOptions>(
            """{ "method": "vae", "batch-size": 32, "lr": 0.01, "kl-warmup-steps": 100, "likelihood": "gaussian", "epochs": "3", "threads": 2, "device": "cpu" }""");

        Assert.Equal((32, 0.01, 100L, Likelihood.Gaussian, 3, 2, "cpu"),
            (options.BatchSize, options.LearningRate, options.KlWarmupSteps, options.Likelihood, options.Epochs, options.Threads, options.Device));
    }

    [Fact]
    public void Json_Precision_ReachesTheConfig_AndIsFp32WhenLeftOut()
    {
        PretrainConfig mixed = Read<PretrainOptions>("""{ "method": "rotation", "precision": "bf16" }""").Resolve(Images);
        PretrainConfig plain = Read<PretrainOptions>("""{ "method": "rotation" }""").Resolve(Images);

        Assert.Equal((TrainingPrecision.Bf16, TrainingPrecision.Fp32), (mixed.Precision, plain.Precision));
        Assert.Contains("\"precision\": \"bf16\"", JsonSerializer.Serialize(mixed, RunJson.CamelCase));
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    public void Json_AdamWByItsNameOrItsFormerOne_IsAdamW_WrittenAdamwInTheOptionsAndTheConfig(string name)
    {
        PretrainOptions options = Read<PretrainOptions>($$"""{ "method": "ae", "optimizer": "{{name}}" }""");

        PretrainConfig config = options.Resolve(Images);

        Assert.Equal(OptimizerKind.AdamW, options.Optimizer);
        Assert.Contains("\"optimizer\": \"adamw\"", JsonSerializer.Serialize(options, RunJson.CamelCase));
        Assert.Contains("\"kind\": \"adamw\"", JsonSerializer.Serialize(config, RunJson.CamelCase));
    }

    [Theory]
    [InlineData("""{ "method": "ae", "beta": 2 }""", "beta", "is a setting of vae, not of ae")]
    [InlineData("""{ "latent-dim": 8 }""", "latent-dim", "is a setting of vae, ae, dae, not of simclr")]
    [InlineData("""{ "colour": 1 }""", "colour", "is not a pretraining setting")]
    [InlineData("""{ "method": "byol" }""", "method", "must be one of simclr, vae, ae, dae, rotation, not 'byol'")]
    [InlineData("""{ "method": "distill" }""", "method", "not 'distill'")]
    [InlineData("""{ "epochs": "abc" }""", "epochs", "must be a whole number, not \"abc\"")]
    [InlineData("""{ "optimizer": "rmsprop" }""", "optimizer", "must be one of sgd, adamw, lars")]
    [InlineData("""{ "lr": [1] }""", "lr", "must be a number")]
    [InlineData("""{ "precision": "fp16" }""", "precision", "must be one of fp32, bf16")]
    public void Json_ASettingNoOptionsOfTheMethodHave_IsRefusedNamingIt(string json, string setting, string problem)
    {
        var error = Assert.Throws<InvalidSettingException>(() => Read<PretrainOptions>(json));

        Assert.Equal(setting, error.Setting);
        Assert.Contains(problem, error.Problem);
        Assert.StartsWith(setting + " ", error.Message);
    }

    [Theory]
    [InlineData("""{ "lr": -1 }""", "lr")]
    [InlineData("""{ "lr": "NaN" }""", "lr")]
    [InlineData("""{ "batch-size": 1 }""", "batch-size")]
    [InlineData("""{ "channels": 2 }""", "channels")]
    [InlineData("""{ "image-size": 4 }""", "image-size")]
    [InlineData("""{ "epochs": 5, "warmup-epochs": 6 }""", "warmup-epochs")]
    [InlineData("""{ "momentum": 1 }""", "momentum")]
    [InlineData("""{ "data": "s3://bucket/images" }""", "data")]
    [InlineData("""{ "encoder": "vgg" }""", "encoder")]
    [InlineData("""{ "device": "tpu" }""", "device")]
    [InlineData("""{ "min-crop-scale": 0 }""", "min-crop-scale")]
    [InlineData("""{ "color-jitter-strength": 3 }""", "color-jitter-strength")]
    [InlineData("""{ "blur-probability": 1.5 }""", "blur-probability")]
    public void Validate_AValueOutOfRange_IsRefusedBeforeAnythingIsRead_NamingTheSetting(string json, string setting)
    {
        PretrainOptions options = Read<PretrainOptions>(json);

        var error = Assert.Throws<InvalidSettingException>(options.Validate);

        Assert.Equal(setting, error.Setting);
    }

    [Fact]
    public void Validate_TheMethodsOwnSettings_AreCheckedByTheirSettingsTypes()
    {
        Assert.Contains("method ae", Assert.Throws<InvalidSettingException>(new DenoisingPretrainOptions { NoiseStd = 0, MaskProbability = 0 }.Validate).Message);
        Assert.Equal("beta", Assert.Throws<InvalidSettingException>(new VaePretrainOptions { Beta = -1 }.Validate).Setting);
    }

    [Fact]
    public void MethodsWithSetting_FollowsTheOptionsTypes()
    {
        Assert.Equal(PretextMethods.SelfSupervisedNames, PretrainOptions.MethodsWithSetting("batch-size"));
        Assert.Equal(["vae", "ae", "dae"], PretrainOptions.MethodsWithSetting("latent-dim"));
        Assert.Equal(["simclr"], PretrainOptions.MethodsWithSetting("temperature"));
        Assert.Empty(PretrainOptions.MethodsWithSetting("out"));
    }

    [Fact]
    public void InputShape_FoldersDefaultToColour32_FashionMnistToItsOwn()
    {
        Assert.Null(new RotationPretrainOptions().InputShape());
        Assert.Equal(new ImageShape(1, 32, 32), new RotationPretrainOptions { ImageSize = 32 }.InputShape());
        Assert.Equal(new ImageShape(3, 32, 32), new RotationPretrainOptions { Data = "folder:/images" }.InputShape());
        Assert.Equal(new ImageShape(1, 64, 64), new RotationPretrainOptions { Data = "folder:/images", Channels = 1, ImageSize = 64 }.InputShape());
    }

    private static T Read<T>(string json) where T : PretrainOptions =>
        Assert.IsAssignableFrom<T>(JsonSerializer.Deserialize<PretrainOptions>(json, RunJson.CamelCase));
}
