using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class LinearProbeTests
{
    [Fact]
    public void FitPredict_LinearlySeparableClasses_ClassifiesEveryTestPoint()
    {
        // Three Gaussian blobs in 5-D with far-apart centres.
        var random = new Random(1);
        (Tensor train, Tensor trainLabels) = Blobs(random, 60);
        (Tensor test, Tensor testLabels) = Blobs(random, 30);

        using Tensor predictions = new LinearProbe(steps: 300).FitPredict(train, trainLabels, test, classCount: 3, seed: 0);

        Assert.Equal(testLabels.data<long>().ToArray(), predictions.data<long>().ToArray());
    }

    [Fact]
    public void FitPredict_SameSeed_GivesSamePredictions()
    {
        var random = new Random(2);
        (Tensor train, Tensor labels) = Blobs(random, 20, spread: 3f);
        (Tensor test, _) = Blobs(random, 50, spread: 3f);
        var probe = new LinearProbe(steps: 50);

        using Tensor first = probe.FitPredict(train, labels, test, 3, seed: 4);
        using Tensor second = probe.FitPredict(train, labels, test, 3, seed: 4);

        Assert.True(first.allclose(second, 0, 0));
    }

    [Fact]
    public void FitPredict_MismatchedShapes_SaysWhatItGot()
    {
        using Tensor train = zeros(4, 3);
        using Tensor labels = zeros(5, dtype: ScalarType.Int64);
        using Tensor test = zeros(2, 3);

        var error = Assert.Throws<ArgumentException>(() => new LinearProbe().FitPredict(train, labels, test, 2, 0));
        Assert.Contains("[4, 3]", error.Message);
        Assert.Contains("[5]", error.Message);
    }

    [Fact]
    public void FitPredict_Cancelled_StopsAtTheNextStep()
    {
        (Tensor train, Tensor labels) = Blobs(new Random(1), perClass: 20);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new LinearProbe().FitPredict(train, labels, train, 3, 0, cancelled.Token));
    }

    private static (Tensor Features, Tensor Labels) Blobs(Random random, int perClass, float spread = 0.5f)
    {
        var features = new List<float>();
        var labels = new List<long>();
        for (int i = 0; i < perClass * 3; i++)
        {
            int label = i % 3;
            for (int d = 0; d < 5; d++)
            {
                float centre = d == label ? 10f : 0f;
                features.Add(centre + spread * (float)(random.NextDouble() * 2 - 1));
            }
            labels.Add(label);
        }
        return (tensor(features.ToArray()).reshape(perClass * 3, 5), tensor(labels.ToArray()));
    }
}
