using Pipeline.Data;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneJobOptionsTests
{
    private static readonly FineTuneJobOptions Options = new()
    {
        Model = "encoder.onnx",
        Data = DatasetUri.Parse("fashion-mnist:train"),
        Output = "runs/x",
    };

    [Fact]
    public void Resolve_TakesTheRecipesSettingsWhereNoneIsGiven()
    {
        FineTuneConfig config = Options.Resolve(Options.RecipeFor(600), "ab12");

        Assert.Equal((UnfreezeSpec.All, 0.1), (config.Unfreeze, config.LabelSmoothing));
        Assert.Equal((50, 1e-3, 0.0, true, FineTuneJobOptions.DefaultMinCropScale),
            (config.Training.Epochs, config.Training.LearningRate, config.Training.ValidationFraction, config.Training.HorizontalFlip, config.Training.MinCropScale));
        Assert.Equal(("fashion-mnist:train", "100%", "ab12"), (config.Data, config.Labels, config.ModelSha256));
    }

    [Fact]
    public void Resolve_TakesTheSettingsGivenOverTheRecipes()
    {
        FineTuneJobOptions given = Options with
        {
            Recipe = FineTuneRecipe.Full,
            Unfreeze = UnfreezeSpec.LastConvBlock,
            Epochs = 7,
            Augmentation = FineTuneAugmentation.HorizontalFlip,
            ValidationFraction = 0.2,
            Optimizer = FineTuneOptimizer.Sgd,
        };

        FineTuneConfig config = given.Resolve(given.RecipeFor(60000), "ab12");

        Assert.Equal((UnfreezeSpec.LastConvBlock, 7, 0.2), (config.Unfreeze, config.Training.Epochs, config.Training.ValidationFraction));
        Assert.Equal((true, 1.0), (config.Training.HorizontalFlip, config.Training.MinCropScale));
        Assert.Equal(new SgdMomentumStep(), config.OptimizerStep());
    }

    [Fact]
    public void Defaults_TakeTheOptimizersOwnWeightDecay_SoTheLibraryAndTheCliAgree()
    {
        Assert.Equal(1e-4, Options.WeightDecay);
        Assert.Equal(Options.WeightDecay, new AdamWStep().WeightDecay);
        Assert.Equal(Options.WeightDecay, new SgdMomentumStep().WeightDecay);
        Assert.Equal(new AdamWStep(), Options.Resolve(FineTuneRecipe.Frozen, "ab12").OptimizerStep());
        Assert.Equal(new AdamWStep(), new FineTuneArtifactOptions { ClassNames = ["a", "b"] }.Optimizer);
    }
}
