using Pipeline.Onnx.Optimizers;

namespace Pipeline.Onnx.Tests.Optimizers;

public sealed class WarmupCosineScheduleTests
{
    [Fact]
    public void LearningRate_RisesLinearlyThenFollowsTheCosine()
    {
        var schedule = new WarmupCosineSchedule(0.4, warmupSteps: 4, totalSteps: 14);

        Assert.Equal([0.1, 0.2, 0.3, 0.4], Enumerable.Range(0, 4).Select(s => Math.Round(schedule.LearningRate(s), 12)));
        Assert.Equal(0.4, schedule.LearningRate(4), 12);
        Assert.Equal(0.2, schedule.LearningRate(9), 12);
        Assert.Equal(0.4 * 0.5 * (1 + Math.Cos(Math.PI * 0.9)), schedule.LearningRate(13), 12);
    }

    [Fact]
    public void LearningRate_WithoutWarmup_StartsAtThePeak()
    {
        var schedule = new WarmupCosineSchedule(1.0, 0, 100);
        Assert.Equal(1.0, schedule.LearningRate(0));
        Assert.True(schedule.LearningRate(99) < 0.001);
    }

    [Fact]
    public void LearningRate_AfterPeakChanges_KeepsTheShapeScaledByThePeakInForce()
    {
        var original = new WarmupCosineSchedule(0.4, warmupSteps: 4, totalSteps: 14);
        var lowered = new WarmupCosineSchedule(0.4, warmupSteps: 4, totalSteps: 14, [new LearningRateChange(2, 0.1), new LearningRateChange(9, 0.04)]);

        for (int step = 0; step < 14; step++)
        {
            double scale = step < 2 ? 1 : step < 9 ? 0.25 : 0.1;
            Assert.Equal(original.LearningRate(step) * scale, lowered.LearningRate(step), 12);
        }
    }

    [Theory]
    [InlineData(3, 0.1, 2, 0.05)] // out of order
    [InlineData(3, 0.1, 3, 0.05)] // the same step twice
    [InlineData(-1, 0.1, 3, 0.05)] // before the first step
    [InlineData(3, 0.0, 5, 0.05)] // not positive
    public void Constructor_BadPeakChanges_AreRefused(long firstStep, double firstRate, long secondStep, double secondRate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new WarmupCosineSchedule(0.4, 0, 10, [new LearningRateChange(firstStep, firstRate), new LearningRateChange(secondStep, secondRate)]));
    }

    [Theory]
    [InlineData(0.0, 0, 10)]
    [InlineData(0.1, 11, 10)]
    [InlineData(0.1, -1, 10)]
    [InlineData(0.1, 0, 0)]
    public void Constructor_BadSettings_AreRefused(double rate, long warmup, long total)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(rate, warmup, total));
    }
}
