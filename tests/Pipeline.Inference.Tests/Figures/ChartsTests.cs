using Pipeline.Data.Tests;
using Pipeline.Figures;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Figures;

public sealed class ChartsTests
{
    [Fact]
    public void Map_WithMarkedPoints_DrawsThemOverThePoints()
    {
        using var folder = new TempDirectory();
        double[] xs = [.. Enumerable.Range(0, 200).Select(i => Math.Cos(i))];
        double[] ys = [.. Enumerable.Range(0, 200).Select(i => Math.Sin(2.0 * i))];
        string unmarked = folder.File("map.png");
        string marked = folder.File("marked.png");

        Charts.Map(unmarked, xs, ys, null, [], "title", "x", "y");
        Charts.Map(marked, xs, ys, null, [], "title", "x", "y", marked: [3, 50, 120], markedName: "chosen");

        using SKBitmap plain = SKBitmap.Decode(unmarked);
        using SKBitmap withMarks = SKBitmap.Decode(marked);
        Assert.Equal((Charts.Width, Charts.Height), (withMarks.Width, withMarks.Height));
        // The marks are black dots of 9 pixels: many more black pixels than the axes' text and ticks alone.
        Assert.True(Black(withMarks) > Black(plain) + 3 * 40, $"{Black(withMarks)} black pixels with marks, {Black(plain)} without");
    }

    [Fact]
    public void Map_MarkingAPointItDoesNotHave_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Charts.Map("x.png", [0, 1], [0, 1], null, [], "title", "x", "y", marked: [0, 2]));
        Assert.Contains("cannot mark point 2", error.Message);
    }

    private static int Black(SKBitmap image) => image.Pixels.Count(pixel => pixel.Red < 40 && pixel.Green < 40 && pixel.Blue < 40);
}
