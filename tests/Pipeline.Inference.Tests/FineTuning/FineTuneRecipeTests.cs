using Pipeline.Errors;
using Pipeline.Inference.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneRecipeTests
{
    [Theory]
    [InlineData(1, "full")]
    [InlineData(600, "full")]
    [InlineData(FineTuneRecipe.FullUpToImages, "full")]
    [InlineData(FineTuneRecipe.FullUpToImages + 1, "frozen")]
    [InlineData(60000, "frozen")]
    public void For_GivesEveryLayerToFewLabels_AndTheFrozenHeadToMany(int labelledImages, string expected) =>
        Assert.Equal(expected, FineTuneRecipe.For(labelledImages).Name);

    [Fact]
    public void Frozen_KeepsTheLibrarysDefaults()
    {
        var defaults = new FineTuneOptions();

        Assert.Equal((defaults.LearningRate, defaults.ValidationFraction, defaults.Epochs),
            (FineTuneRecipe.Frozen.LearningRate, FineTuneRecipe.Frozen.ValidationFraction, FineTuneRecipe.Frozen.Epochs));
        Assert.Equal("none", FineTuneRecipe.Frozen.Unfreeze.ToString());
    }

    [Fact]
    public void Parse_ReadsEachRecipesName_AndRefusesOthersNamingThem()
    {
        Assert.All(FineTuneRecipe.All, recipe => Assert.Same(recipe, FineTuneRecipe.Parse(recipe.Name)));

        var error = Assert.Throws<InvalidSettingException>(() => FineTuneRecipe.Parse("fast"));
        Assert.Contains("full, frozen", error.Message);
    }

    [Fact]
    public void Describe_SaysEverySetting()
    {
        Assert.Equal("unfreeze all, crops and flips, lr 0.001, label smoothing 0.1, no validation split, 50 epochs", FineTuneRecipe.Full.Describe());
        Assert.Equal("unfreeze none, no augmentation, lr 0.003, label smoothing 0, 10% held out for early stopping, 100 epochs", FineTuneRecipe.Frozen.Describe());
    }
}
