namespace Pipeline.Data.Tests;

public sealed class ImageSetTests
{
    private static ImageSet ThreeNamedImages() => new("folder:x", [1, 1, 2, 2, 3, 3], 3, 1, 1, 2, [0, 1, 0], ["a", "b"],
        ["one.png", "two.png", "three.png"]);

    [Fact]
    public void Select_CarriesPixelsLabelsAndFileNames()
    {
        ImageSet picked = ThreeNamedImages().Select([2, 0]);

        Assert.Equal([3, 3, 1, 1], picked.Pixels);
        Assert.Equal([0, 0], picked.RequireLabels());
        Assert.Equal(["three.png", "one.png"], picked.FileNames);
    }

    [Fact]
    public void Constructor_FileNamesNotOnePerImage_Throws()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new ImageSet("folder:x", [1, 2], 2, 1, 1, 1, null, [], ["only-one.png"]));

        Assert.StartsWith("folder:x: 1 file names for 2 images.", error.Message);
    }

    [Fact]
    public void Shape_IsChannelsHeightWidth()
    {
        Assert.Equal(new ImageShape(1, 1, 2), ThreeNamedImages().Shape);
        Assert.Equal("1x1x2", ThreeNamedImages().Shape.ToString());
    }
}
