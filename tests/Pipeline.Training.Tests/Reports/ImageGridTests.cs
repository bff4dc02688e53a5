using Pipeline.Training.Reports;
using SkiaSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Reports;

public sealed class ImageGridTests
{
    [Fact]
    public void Write_PlacesEachImageInItsCell_EnlargedByTheScale_WithWhiteGaps()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        // Three grey 2×2 images in a grid of two columns: two rows, the last cell empty.
        Tensor images = tensor(new float[] { 0, 0.2f, 0.4f, 0.6f, 1, 1, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f }).reshape(3, 1, 2, 2);
        string path = folder.File("grid.png");

        ImageGrid.Write(path, images, columns: 2, scale: 2);

        using SKBitmap grid = SKBitmap.Decode(path);
        // Width (2 columns · (2 + 1 gap) + 1 gap) · 2 = 14; height (2 rows · 3 + 1) · 2 = 14.
        Assert.Equal((14, 14), (grid.Width, grid.Height));
        // Image 0 starts after one gap (2 px): its pixel (0, 1) = 0.2 covers x 4..5, y 2..3.
        Assert.Equal(new SKColor(0, 0, 0), grid.GetPixel(2, 2));
        Assert.Equal(new SKColor(51, 51, 51), grid.GetPixel(5, 3));
        Assert.Equal(new SKColor(153, 153, 153), grid.GetPixel(5, 5));
        // Image 2 is the first of the second row; the empty cell and the gaps are white.
        Assert.Equal(new SKColor(128, 128, 128), grid.GetPixel(2, 8));
        Assert.Equal(SKColors.White, grid.GetPixel(1, 1));
        Assert.Equal(SKColors.White, grid.GetPixel(9, 9));
    }

    [Fact]
    public void Write_ColourImages_KeepTheirChannels()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        Tensor red = cat([ones(1, 1, 3, 3), zeros(1, 2, 3, 3)], 1);
        string path = folder.File("red.png");

        ImageGrid.Write(path, red, columns: 1, scale: 1);

        using SKBitmap grid = SKBitmap.Decode(path);
        Assert.Equal(new SKColor(255, 0, 0), grid.GetPixel(2, 2));
    }

    [Fact]
    public void Write_NotABatchOfImages_IsRefused()
    {
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => ImageGrid.Write("x.png", zeros(4, 2, 8, 8), columns: 2));
        Assert.Contains("[4, 2, 8, 8]", error.Message);
    }
}
