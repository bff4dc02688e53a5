using SkiaSharp;

namespace Pipeline.Data.Tests;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Decode_PngBytes_GivesRgbPlanesOfTheTargetSize()
    {
        byte[] png = Encode(_temp.File("a.png"), 6, 4, new SKColor(200, 100, 50));

        byte[] pixels = ImageDecoder.Decode(png, new ImageShape(3, 2, 3), "input[0]");

        Assert.Equal([200, 200, 200, 200, 200, 200, 100, 100, 100, 100, 100, 100, 50, 50, 50, 50, 50, 50], pixels);
    }

    [Fact]
    public void Decode_SameBytesAsAFolderFile_GivesTheFolderReadersPixels()
    {
        string path = _temp.File("folder/a.jpg");
        TestImage.Write(path, 9, 7, (x, y) => new SKColor((byte)(x * 25), (byte)(y * 30), (byte)(x * y)));
        var shape = new ImageShape(1, 5, 4);

        byte[] fromBytes = ImageDecoder.Decode(File.ReadAllBytes(path), shape, "a.jpg");

        Assert.Equal(ImageFolderReader.Read(Path.GetDirectoryName(path)!, shape).Pixels, fromBytes);
    }

    [Fact]
    public void Decode_TextBytes_ThrowsNamingTheSource()
    {
        var error = Assert.Throws<DataFormatException>(
            () => ImageDecoder.Decode("not an image"u8, new ImageShape(1, 4, 4), "input[3]"));

        Assert.Equal("input[3]", error.DataPath);
        Assert.StartsWith("input[3] does not decode as PNG or JPEG", error.Message);
    }

    [Fact]
    public void Decode_WebP_IsRefusedAsNotPngOrJpeg()
    {
        byte[] webp = Encode(_temp.File("a.webp"), 4, 4, SKColors.Red, SKEncodedImageFormat.Webp);

        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(webp, new ImageShape(3, 4, 4), "a.webp"));

        Assert.Equal("a.webp is a WEBP image, not PNG or JPEG: convert it first.", error.Message);
    }

    [Fact]
    public void Decode_TruncatedJpeg_SaysTruncated()
    {
        byte[] jpeg = Encode(_temp.File("a.jpg"), 32, 32, SKColors.Red, SKEncodedImageFormat.Jpeg);

        var error = Assert.Throws<DataFormatException>(
            () => ImageDecoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2), new ImageShape(3, 8, 8), "cut"));

        Assert.StartsWith("cut is truncated", error.Message);
    }

    [Fact]
    public void Decode_DestinationOfTheWrongLength_IsRefused()
    {
        byte[] png = Encode(_temp.File("a.png"), 4, 4, SKColors.White);

        var error = Assert.Throws<ArgumentException>(() => ImageDecoder.Decode(png, new ImageShape(1, 4, 4), new byte[15], "a"));

        Assert.Contains("15 bytes", error.Message);
    }

    [Fact]
    public void Identify_ReadsSizeAndGreyness()
    {
        TestImage.WriteGrey(_temp.File("grey.png"), 7, 3, 9);
        byte[] colour = Encode(_temp.File("colour.png"), 5, 6, SKColors.Blue);

        Assert.Equal(new EncodedImageInfo(7, 3, IsGrey: true), ImageDecoder.Identify(File.ReadAllBytes(_temp.File("grey.png")), "grey"));
        Assert.Equal(new EncodedImageInfo(5, 6, IsGrey: false), ImageDecoder.Identify(colour, "colour"));
    }

    private static byte[] Encode(string path, int width, int height, SKColor color,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        TestImage.WriteSolid(path, width, height, color, format);
        return File.ReadAllBytes(path);
    }
}
