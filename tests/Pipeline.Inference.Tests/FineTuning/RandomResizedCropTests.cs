using Pipeline.Inference.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class RandomResizedCropTests
{
    private const int Side = 28;

    // A horizontal ramp: pixel (c, y, x) = x, so a crop's columns tell where the box was.
    private static float[] Ramp(int channels = 1) =>
        Enumerable.Range(0, channels * Side * Side).Select(i => (float)(i % Side)).ToArray();

    [Fact]
    public void Apply_WithScaleOne_LeavesTheImageAsItIs()
    {
        var crop = new RandomResizedCrop(1, Side, Side, minScale: 1);
        var random = new Random(5);
        for (int draw = 0; draw < 20; draw++)
        {
            float[] image = Ramp();
            crop.Apply(image, random);
            Assert.Equal(Ramp(), image);
        }
    }

    [Fact]
    public void Apply_ZoomsIntoABox_StretchingItOverTheWholeImage()
    {
        var crop = new RandomResizedCrop(3, Side, Side, minScale: 0.1);
        var random = new Random(7);
        int zoomed = 0;
        for (int draw = 0; draw < 50; draw++)
        {
            float[] image = Ramp(3);
            crop.Apply(image, random);
            // Every row of every channel is the same non-decreasing ramp over a sub-range of [0, 27].
            float[] row = image[..Side];
            for (int r = 0; r < 3 * Side; r++)
            {
                Assert.Equal(row, image[(r * Side)..((r + 1) * Side)], (a, b) => Math.Abs(a - b) < 1e-5f);
            }
            Assert.True(row.Zip(row[1..], (a, b) => b >= a - 1e-5f).All(x => x), "a crop keeps the ramp's order");
            Assert.InRange(row[0], 0f, Side - 1);
            Assert.InRange(row[^1], 0f, Side - 1);
            // A box of width w spans w − 1 columns of the ramp: at least √(0.1·3/4)·28 ≈ 7.7 pixels.
            Assert.InRange(row[^1] - row[0], 6.5f, Side - 1);
            zoomed += row[^1] - row[0] < Side - 1.5f ? 1 : 0;
        }
        Assert.True(zoomed > 40, $"only {zoomed} of 50 crops were smaller than the image");
    }

    [Fact]
    public void Apply_IsDeterminedByTheGenerator()
    {
        var crop = new RandomResizedCrop(1, Side, Side, minScale: 0.2);
        float[] first = Ramp(), second = Ramp();

        crop.Apply(first, new Random(11));
        crop.Apply(second, new Random(11));

        Assert.Equal(first, second);
        Assert.NotEqual(Ramp(), first);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Constructor_RefusesAScaleOutsideZeroToOne(double minScale)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(1, Side, Side, minScale));

        Assert.Contains("(0, 1]", error.Message);
    }
}
