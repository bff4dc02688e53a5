using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class FeatureStandardizationTests
{
    [Fact]
    public void Apply_StandardisesBothSetsWithTheTrainingStatistics()
    {
        // Three training rows: the first dimension is 0, 3, 3 (mean 2, std √2); the second never varies.
        using Tensor train = tensor(new float[] { 0, 7, 3, 7, 3, 7 }).reshape(3, 2);
        using Tensor test = tensor(new float[] { 2, 9 }).reshape(1, 2);

        (Tensor standardTrain, Tensor standardTest) = FeatureStandardization.Apply(train, test);
        using (standardTrain)
        using (standardTest)
        {
            float[] first = standardTrain.select(1, 0).data<float>().ToArray();
            Assert.Equal(-Math.Sqrt(2), first[0], 4);
            Assert.Equal(Math.Sqrt(0.5), first[1], 4);
            // A constant dimension keeps standard deviation 1, so it becomes 0 rather than NaN.
            Assert.Equal([0f, 0f, 0f], standardTrain.select(1, 1).data<float>().ToArray());
            // The test row is standardised with the training statistics, not its own.
            Assert.Equal(0, standardTest[0, 0].item<float>(), 4);
            Assert.Equal(2, standardTest[0, 1].item<float>(), 4);
        }
    }

    [Fact]
    public void Apply_SetsOfDifferentWidths_AreRefused()
    {
        using Tensor train = zeros(3, 2);
        using Tensor test = zeros(1, 3);

        var error = Assert.Throws<ArgumentException>(() => FeatureStandardization.Apply(train, test));

        Assert.Contains("[3, 2]", error.Message);
        Assert.Contains("[1, 3]", error.Message);
    }
}
