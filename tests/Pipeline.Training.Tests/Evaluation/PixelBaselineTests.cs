using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class PixelBaselineTests
{
    private static readonly string[] TwoClasses = ["a", "b"];

    [Fact]
    public void Features_AreFlattenedPixelsStandardisedWithTheTrainingImagesStatistics()
    {
        // Three 1x1x2 training images: the first pixel is 0, 255, 255 (mean 170/255, std 120.2/255); the second never varies.
        var train = new ImageSet("train", [0, 7, 255, 7, 255, 7], 3, 1, 1, 2, [0, 1, 1], TwoClasses);
        var test = new ImageSet("test", [170, 9], 1, 1, 1, 2, [1], TwoClasses);

        (Tensor trainFeatures, Tensor testFeatures) = PixelBaseline.Features(train, test);
        using (trainFeatures)
        using (testFeatures)
        {
            Assert.Equal([3L, 2], trainFeatures.shape);
            float[] first = trainFeatures.select(1, 0).data<float>().ToArray();
            Assert.Equal(-Math.Sqrt(2), first[0], 4);
            Assert.Equal(Math.Sqrt(0.5), first[1], 4);
            // A constant pixel keeps standard deviation 1, so it becomes 0 rather than NaN.
            Assert.Equal([0f, 0f, 0f], trainFeatures.select(1, 1).data<float>().ToArray());
            // The test image is standardised with the training statistics, not its own.
            Assert.Equal(0, testFeatures[0, 0].item<float>(), 4);
            Assert.Equal(2 / 255.0, testFeatures[0, 1].item<float>(), 5);
        }
    }

    [Fact]
    public void Features_SetsOfDifferentShapes_AreRefusedNamingBoth()
    {
        var train = new ImageSet("train", new byte[8], 2, 1, 2, 2, null, TwoClasses);
        var test = new ImageSet("test", new byte[18], 2, 1, 3, 3, null, TwoClasses);

        var error = Assert.Throws<InvalidSettingException>(() => PixelBaseline.Features(train, test));

        Assert.Contains("train is 1x2x2", error.Message);
        Assert.Contains("test is 1x3x3", error.Message);
    }

    [Fact]
    public void Evaluate_Elbo_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => PixelBaseline.Evaluate("fashion-mnist:test", "fashion-mnist:test",
            [(EvaluationProtocol.Elbo, LabelFraction.Parse("100%"))], 0, new EvaluationClassifiers(new KnnClassifier(), new LinearProbe())));

        Assert.Contains("no ELBO", error.Message);
    }
}
