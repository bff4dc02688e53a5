using SkiaSharp;

namespace Pipeline.Data.Tests;

public sealed class ImageFolderReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_ClassSubfolders_LabelsBySortedFolderNameInOrdinalFileOrder()
    {
        TestImage.WriteSolid(_temp.File("shoe/b.png"), 8, 8, SKColors.White);
        TestImage.WriteSolid(_temp.File("Shirt/a.jpg"), 8, 8, SKColors.White, SKEncodedImageFormat.Jpeg);
        TestImage.WriteSolid(_temp.File("shoe/a.png"), 8, 8, SKColors.White);
        TestImage.WriteSolid(_temp.File("shoe/nested/c.jpeg"), 8, 8, SKColors.White, SKEncodedImageFormat.Jpeg);

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 4, 4));

        Assert.Equal(["Shirt", "shoe"], set.ClassNames);
        Assert.Equal(["Shirt/a.jpg", "shoe/a.png", "shoe/b.png", "shoe/nested/c.jpeg"], set.FileNames);
        Assert.Equal([0, 1, 1, 1], set.RequireLabels());
        Assert.Equal($"folder:{_temp.Path}", set.Source);
    }

    [Fact]
    public void Read_FlatFolder_IsUnlabelledInOrdinalOrder()
    {
        foreach (string name in new[] { "img10.png", "img2.png", "B.png", "a.PNG" })
        {
            TestImage.WriteGrey(_temp.File(name), 5, 5, 7);
        }

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 5, 5));

        Assert.Null(set.Labels);
        Assert.Empty(set.ClassNames);
        Assert.Equal(["B.png", "a.PNG", "img10.png", "img2.png"], set.FileNames);
    }

    [Fact]
    public void Read_DifferentSizesAndFormats_ResizesEachToTarget()
    {
        TestImage.WriteSolid(_temp.File("a.png"), 10, 20, new SKColor(200, 100, 50));
        TestImage.WriteSolid(_temp.File("b.jpg"), 40, 30, new SKColor(10, 20, 240), SKEncodedImageFormat.Jpeg);
        TestImage.WriteSolid(_temp.File("c.png"), 3, 2, new SKColor(0, 255, 0));

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(3, 16, 12));

        Assert.Equal((3, 3, 16, 12), (set.Count, set.Channels, set.Height, set.Width));
        AssertPlanes(set, 0, [200, 100, 50], tolerance: 0);
        AssertPlanes(set, 1, [10, 20, 240], tolerance: 4); // JPEG is lossy even at quality 100
        AssertPlanes(set, 2, [0, 255, 0], tolerance: 0);
    }

    [Theory]
    [InlineData(255, 0, 0, 76)]   // 0.299 * 255 = 76.2
    [InlineData(0, 255, 0, 150)]  // 0.587 * 255 = 149.7
    [InlineData(0, 0, 255, 29)]   // 0.114 * 255 = 29.1
    [InlineData(100, 150, 200, 141)] // 29.9 + 88.05 + 22.8 = 140.75
    public void Read_OneChannel_IsLuminance(byte r, byte g, byte b, byte expected)
    {
        TestImage.WriteSolid(_temp.File("x.png"), 6, 6, new SKColor(r, g, b));

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 3, 3));

        Assert.All(set.Pixels, value => Assert.Equal(expected, value));
    }

    [Fact]
    public void Read_Transparency_IsCompositedOverBlack()
    {
        TestImage.Write(_temp.File("x.png"), 3, 1, (x, _) => new SKColor(255, 255, 255, (byte)(x * 127.5)));

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 1, 3));

        Assert.Equal(0, set.Pixels[0]);
        Assert.InRange(set.Pixels[1], 126, 128);
        Assert.Equal(255, set.Pixels[2]);
    }

    [Fact]
    public void Read_StrongDownscale_AveragesInsteadOfAliasing()
    {
        // One white column in three: a faithful 300 -> 14 downscale is a flat grey of about 255 / 3 = 85, whereas plain
        // bilinear sampling would pick up stripes of 0 and 255.
        TestImage.Write(_temp.File("stripes.png"), 300, 300, (x, _) => x % 3 == 0 ? SKColors.White : SKColors.Black);

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 14, 14));

        Assert.All(set.Pixels, value => Assert.InRange(value, 70, 100));
    }

    [Fact]
    public void Read_NoShapeAndOneSize_KeepsSizeAndGreyAsOneChannel()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 7, 5, 40);
        TestImage.WriteGrey(_temp.File("b.jpg"), 7, 5, 90, SKEncodedImageFormat.Jpeg);

        ImageSet set = ImageFolderReader.Read(_temp.Path);

        Assert.Equal(new ImageShape(1, 5, 7), set.Shape);
        Assert.All(set.Pixels.AsSpan(0, 35).ToArray(), value => Assert.Equal(40, value));
        Assert.All(set.Pixels.AsSpan(35, 35).ToArray(), value => Assert.InRange(value, 88, 92));
    }

    [Fact]
    public void Read_NoShapeAndAnyColour_GivesThreeChannels()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 4, 4, 40);
        TestImage.WriteSolid(_temp.File("b.png"), 4, 4, new SKColor(1, 2, 3));

        ImageSet set = ImageFolderReader.Read(_temp.Path);

        Assert.Equal(new ImageShape(3, 4, 4), set.Shape);
        AssertPlanes(set, 0, [40, 40, 40], tolerance: 0);
        AssertPlanes(set, 1, [1, 2, 3], tolerance: 0);
    }

    [Fact]
    public void Read_NoShapeAndDifferentSizes_NamesTwoFilesAndTheirSizes()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 4, 4, 0);
        TestImage.WriteGrey(_temp.File("b.png"), 4, 4, 0);
        TestImage.WriteGrey(_temp.File("c.png"), 6, 3, 0);

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path));

        Assert.StartsWith($"{_temp.Path} holds images of different sizes (a.png is 4x4, c.png is 6x3)", error.Message);
    }

    [Fact]
    public void Read_OtherExtensions_AreIgnored()
    {
        TestImage.WriteGrey(_temp.File("cat/a.png"), 4, 4, 0);
        File.WriteAllText(_temp.File("cat/notes.txt"), "not an image");
        File.WriteAllText(_temp.File("README.md"), "not an image either, and not a top-level image");

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 4, 4));

        Assert.Equal(["cat/a.png"], set.FileNames);
    }

    [Fact]
    public void Read_PngNamedJpg_IsDecodedByContent()
    {
        TestImage.WriteSolid(_temp.File("really-a-png.jpg"), 4, 4, new SKColor(9, 8, 7));

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(3, 4, 4));

        AssertPlanes(set, 0, [9, 8, 7], tolerance: 0);
    }

    [Fact]
    public void Read_UndecodablePng_NamesFile()
    {
        TestImage.WriteGrey(_temp.File("dog/good.png"), 4, 4, 0);
        File.WriteAllText(_temp.File("dog/bad.png"), "this is text, not a PNG");

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path, new ImageShape(1, 4, 4)));

        string bad = Path.Combine(_temp.Path, "dog", "bad.png");
        Assert.Equal(bad, error.DataPath);
        Assert.StartsWith($"{bad} does not decode as PNG or JPEG", error.Message);
    }

    [Fact]
    public void Read_TruncatedJpeg_NamesFile()
    {
        string path = _temp.File("cut.jpg");
        TestImage.WriteSolid(path, 32, 32, SKColors.Red, SKEncodedImageFormat.Jpeg);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_ImagesBesideSubfolders_IsRefusedNamingBoth()
    {
        TestImage.WriteGrey(_temp.File("loose.png"), 4, 4, 0);
        TestImage.WriteGrey(_temp.File("cat/a.png"), 4, 4, 0);

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path, new ImageShape(1, 4, 4)));

        Assert.StartsWith($"{_temp.Path} holds both images (loose.png, …) and subfolders (cat, …)", error.Message);
    }

    [Fact]
    public void Read_EmptyFolder_SaysNoImages()
    {
        File.WriteAllText(_temp.File("notes.txt"), "no images here");

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path} holds no images (.png, .jpg, .jpeg) and no class subfolders.", error.Message);
    }

    [Fact]
    public void Read_ClassFolderWithoutImages_NamesIt()
    {
        TestImage.WriteGrey(_temp.File("cat/a.png"), 4, 4, 0);
        File.WriteAllText(_temp.File("dog/notes.txt"), "no images here");

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(_temp.Path));

        Assert.StartsWith($"{Path.Combine(_temp.Path, "dog")} is a class folder without images", error.Message);
    }

    [Fact]
    public void Read_MissingFolder_NamesIt()
    {
        string missing = Path.Combine(_temp.Path, "absent");

        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(missing));

        Assert.StartsWith($"{missing} does not exist", error.Message);
    }

    [Fact]
    public void Read_RelativePath_KeepsItInSourceAndReadsFromWorkingFolder()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 2, 2, 5);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, _temp.Path);

        ImageSet set = ImageFolderReader.Read(relative);

        Assert.Equal($"folder:{relative}", set.Source);
        Assert.Equal([5, 5, 5, 5], set.Pixels);
    }

    [Fact]
    public void Read_TwoChannels_IsRefused()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 2, 2, 5);

        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderReader.Read(_temp.Path, new ImageShape(2, 2, 2)));
    }

    [Fact]
    public void Read_ManyImagesInParallel_KeepsEachInItsPlace()
    {
        for (int i = 0; i < 64; i++)
        {
            TestImage.WriteGrey(_temp.File($"{i:D2}.png"), 9 + i % 5, 7 + i % 3, (byte)(i * 3));
        }

        ImageSet set = ImageFolderReader.Read(_temp.Path, new ImageShape(1, 8, 8));

        for (int i = 0; i < 64; i++)
        {
            Assert.Equal($"{i:D2}.png", set.FileNames![i]);
            Assert.All(set.Pixels.AsSpan(i * 64, 64).ToArray(), value => Assert.Equal(i * 3, value));
        }
    }

    [Fact]
    public void Read_Cancelled_Throws()
    {
        TestImage.WriteGrey(_temp.File("a.png"), 2, 2, 5);

        Assert.ThrowsAny<OperationCanceledException>(
            () => ImageFolderReader.Read(_temp.Path, new ImageShape(1, 2, 2), new CancellationToken(canceled: true)));
    }

    // Every pixel of image `index` has the given channel values, within the tolerance.
    private static void AssertPlanes(ImageSet set, int index, byte[] channels, int tolerance)
    {
        int plane = set.Height * set.Width;
        for (int c = 0; c < channels.Length; c++)
        {
            byte[] values = set.Pixels.AsSpan(index * set.ImageSize + c * plane, plane).ToArray();
            Assert.All(values, value => Assert.InRange(value, channels[c] - tolerance, channels[c] + tolerance));
        }
    }
}
