namespace Pipeline.Data.Tests;

[Collection(nameof(EnvironmentCollection))]
public sealed class ChannelStatisticsTests
{
    [Fact]
    public void Measure_TwoChannels_GivesEachItsMeanAndStd()
    {
        // Two 1×2 images with channels (0, 255 | 255, 255) and (0, 255 | 0, 0): channel 0 is half 0 and half 255,
        // channel 1 is 255, 255, 0, 0.
        byte[] pixels = [0, 255, 255, 255, 0, 255, 0, 0];
        var images = new ImageSet("test", pixels, count: 2, channels: 2, height: 1, width: 2, labels: null, classNames: []);

        ChannelStatistics statistics = ChannelStatistics.Measure(images);

        Assert.Equal([0.5f, 0.5f], statistics.Mean);
        Assert.Equal([0.5f, 0.5f], statistics.Std);
    }

    [Fact]
    public void Measure_ConstantImage_KeepsStdAwayFromZero()
    {
        var images = new ImageSet("flat", [7, 7, 7, 7], 1, 1, 2, 2, null, []);

        ChannelStatistics statistics = ChannelStatistics.Measure(images);

        Assert.Equal(7f / 255, statistics.Mean[0], 6);
        Assert.Equal(1e-3f, statistics.Std[0]);
    }

    [Fact]
    public void Measure_FashionMnistTrain_MatchesThePublishedStatistics()
    {
        ChannelStatistics statistics = ChannelStatistics.Measure(FashionMnist.Load(FashionMnistSplit.Train));

        // The widely used normalisation constants of Fashion-MNIST: mean 0.2860, std 0.3530.
        Assert.Equal(0.2860f, statistics.Mean[0], 3);
        Assert.Equal(0.3530f, statistics.Std[0], 3);
    }
}
