using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Figures;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Figures;

public sealed class ImageGridTests
{
    [Fact]
    public void Write_PlacesEachImageInItsCell_EnlargedByTheScale_WithWhiteGaps()
    {
        using var folder = new TempDirectory();
        // Three grey 2×2 images in a grid of two columns: two rows, the last cell empty.
        byte[] images = [0, 51, 102, 153, 255, 255, 255, 255, 128, 128, 128, 128];
        string path = folder.File("grid.png");

        ImageGrid.Write(path, images, new ImageShape(1, 2, 2), columns: 2, scale: 2);

        using SKBitmap grid = SKBitmap.Decode(path);
        // Width (2 columns · (2 + 1 gap) + 1 gap) · 2 = 14; height (2 rows · 3 + 1) · 2 = 14.
        Assert.Equal((14, 14), (grid.Width, grid.Height));
        // Image 0 starts after one gap (2 px): its pixel (0, 1) = 51 covers x 4..5, y 2..3.
        Assert.Equal(new SKColor(0, 0, 0), grid.GetPixel(2, 2));
        Assert.Equal(new SKColor(51, 51, 51), grid.GetPixel(5, 3));
        Assert.Equal(new SKColor(153, 153, 153), grid.GetPixel(5, 5));
        // Image 2 is the first of the second row; the empty cell and the gaps are white.
        Assert.Equal(new SKColor(128, 128, 128), grid.GetPixel(2, 8));
        Assert.Equal(SKColors.White, grid.GetPixel(1, 1));
        Assert.Equal(SKColors.White, grid.GetPixel(9, 9));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public void Write_ColourImages_KeepTheirChannels()
    {
        using var folder = new TempDirectory();
        // One 1×2 image in planes [C, H, W]: red, then green.
        byte[] image = [255, 0, 0, 255, 0, 0];
        string path = folder.File("colour.png");

        ImageGrid.Write(path, image, new ImageShape(3, 1, 2), columns: 1, scale: 1);

        using SKBitmap grid = SKBitmap.Decode(path);
        Assert.Equal(new SKColor(255, 0, 0), grid.GetPixel(1, 1));
        Assert.Equal(new SKColor(0, 255, 0), grid.GetPixel(2, 1));
    }

    [Theory]
    [InlineData(2, 4, "4 bytes of 2x1x1 images")]
    [InlineData(1, 5, "5 bytes of 1x2x2 images")]
    [InlineData(1, 0, "0 bytes of 1x2x2 images")]
    public void Write_NotWholeImagesOfOneOrThreeChannels_IsRefused(int channels, int bytes, string message)
    {
        ImageShape shape = channels == 1 ? new ImageShape(1, 2, 2) : new ImageShape(channels, 1, 1);

        var error = Assert.Throws<ArgumentException>(() => ImageGrid.Write("x.png", new byte[bytes], shape, columns: 2));
        Assert.Contains(message, error.Message);
    }
}
