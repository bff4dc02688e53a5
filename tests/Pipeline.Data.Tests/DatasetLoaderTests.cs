using Pipeline.Errors;
using SkiaSharp;

namespace Pipeline.Data.Tests;

// Fashion-MNIST's folder can be overridden by an environment variable that FashionMnistTests sets.
[Collection(nameof(EnvironmentCollection))]
public sealed class DatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_FashionMnistTest_GivesTheTestSplit()
    {
        ImageSet set = DatasetLoader.Load("fashion-mnist:test", new ImageShape(1, 28, 28));

        Assert.Equal("fashion-mnist:test", set.Source);
        Assert.Equal(10000, set.Count);
    }

    [Fact]
    public void Load_FashionMnistInOtherShape_IsRefused()
    {
        var error = Assert.Throws<InvalidSettingException>(() => DatasetLoader.Load("fashion-mnist:test", new ImageShape(3, 32, 32)));

        Assert.StartsWith("fashion-mnist:test holds 1x28x28 images, not 3x32x32", error.Message);
    }

    [Fact]
    public void Load_Folder_ConvertsToShape()
    {
        TestImage.WriteSolid(_temp.File("red/a.png"), 5, 9, SKColors.Red);
        TestImage.WriteSolid(_temp.File("blue/a.png"), 7, 3, SKColors.Blue);

        ImageSet set = DatasetLoader.Load($"folder:{_temp.Path}", new ImageShape(3, 4, 4));

        Assert.Equal(new ImageShape(3, 4, 4), set.Shape);
        Assert.Equal(["blue", "red"], set.ClassNames);
        Assert.Equal([0, 1], set.RequireLabels());
        Assert.Equal(255, set.Pixels[2 * 16]); // image 0 (blue), plane 2
        Assert.Equal(255, set.Pixels[set.ImageSize]); // image 1 (red), plane 0
    }

    [Fact]
    public void LoadSetting_ImagesThatDoNotFitTheModel_AreAnErrorOfTheSetting()
    {
        var error = Assert.Throws<InvalidSettingException>(
            () => DatasetLoader.LoadSetting("calibration", DatasetUri.Parse("fashion-mnist:test"), new ImageShape(3, 32, 32)));

        Assert.Equal("calibration", error.Setting);
        Assert.StartsWith("calibration fashion-mnist:test does not fit the model: fashion-mnist:test holds 1x28x28 images, not 3x32x32", error.Message);
    }

    [Fact]
    public void Load_NotAUri_ListsAcceptedForms()
    {
        var error = Assert.Throws<InvalidSettingException>(() => DatasetLoader.Load("cifar10:train"));

        Assert.Contains(DatasetUri.AcceptedForms, error.Message);
    }

    [Fact]
    public void Load_Cancelled_Throws()
    {
        Assert.ThrowsAny<OperationCanceledException>(
            () => DatasetLoader.Load("fashion-mnist:train", cancellationToken: new CancellationToken(canceled: true)));
    }
}
