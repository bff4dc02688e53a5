using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Evaluation;

public sealed class KnnClassifierTests
{
    [Fact]
    public void Predict_WeighsVotesBySimilarity()
    {
        // Query (1, 0.1): two class-1 neighbours at ~90° lose to one class-0 neighbour at ~6° with T = 0.1,
        // although they outnumber it.
        using Tensor bank = tensor(new float[] { 1, 0, 0.05f, 1, -0.05f, 1 }).reshape(3, 2);
        using Tensor labels = tensor(new long[] { 0, 1, 1 });
        using Tensor queries = tensor(new float[] { 1, 0.1f, 0, 1 }).reshape(2, 2);

        using Tensor predictions = new KnnClassifier(k: 3, temperature: 0.1).Predict(bank, labels, queries, classCount: 2);

        Assert.Equal(new long[] { 0, 1 }, predictions.data<long>().ToArray());
    }

    [Fact]
    public void Predict_KLargerThanBank_UsesTheWholeBank()
    {
        using Tensor bank = tensor(new float[] { 1, 0, 0, 1 }).reshape(2, 2);
        using Tensor labels = tensor(new long[] { 2, 1 });
        using Tensor queries = tensor(new float[] { 0.9f, 0.1f }).reshape(1, 2);

        using Tensor predictions = new KnnClassifier(k: 200).Predict(bank, labels, queries, classCount: 3);

        Assert.Equal(2L, predictions[0].item<long>());
    }

    [Fact]
    public void Predict_IsCosine_SoScaleDoesNotMatter()
    {
        using Tensor bank = tensor(new float[] { 100, 0, 0, 0.01f }).reshape(2, 2);
        using Tensor labels = tensor(new long[] { 0, 1 });
        using Tensor queries = tensor(new float[] { 0.001f, 0.002f, 5, 1 }).reshape(2, 2);

        using Tensor predictions = new KnnClassifier(k: 1).Predict(bank, labels, queries, 2);

        Assert.Equal(new long[] { 1, 0 }, predictions.data<long>().ToArray());
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(5, 0.0)]
    public void Constructor_BadSettings_AreRefused(int k, double temperature)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KnnClassifier(k, temperature));
    }
}
