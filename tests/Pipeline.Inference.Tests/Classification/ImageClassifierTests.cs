using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Inference.Classification;

namespace Pipeline.Inference.Tests.Classification;

public sealed class ImageClassifierTests : IDisposable
{
    private static readonly string[] ClassNames = ["cat", "dog", "bird"];

    private readonly TempDirectory _temp = new();
    private readonly TestModel _spec = new(channels: 3, height: 6, width: 5);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_ReadsTheEncoderContractAndTheClassNames()
    {
        string path = _spec.WriteClassifier(_temp.File("inference_model.onnx"), ClassNames);

        using ImageClassifier classifier = ImageClassifier.Load(path);

        Assert.Equal(ClassNames, classifier.ClassNames);
        Assert.Equal(new ImageShape(3, 6, 5), classifier.InputShape);
        Assert.Equal(_spec.Metadata.ToProperties(), classifier.Metadata.ToProperties());
        Assert.Equal(Path.GetFullPath(path), classifier.Source);
    }

    [Fact]
    public void Classify_GivesOneProbabilityPerClassSummingToOne()
    {
        using ImageClassifier classifier = ImageClassifier.Load(_spec.WriteClassifier(_temp.File("inference_model.onnx"), ClassNames));
        float[] probabilities = new float[4 * ClassNames.Length];

        classifier.Classify(_spec.RandomPixels(4, seed: 2), probabilities);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1f, probabilities.AsSpan(i * 3, 3).ToArray().Sum(), 5);
        }
    }

    [Fact]
    public void Load_AnEncoderWithoutClasses_IsRefusedSayingItIsNoClassifier()
    {
        string path = _spec.Write(_temp.File("encoder.onnx"));

        var error = Assert.Throws<InvalidDataException>(() => ImageClassifier.Load(path));

        Assert.Contains("not a classifier", error.Message);
    }

    [Fact]
    public void Load_WrongExpectedHash_IsRefusedBeforeLoading()
    {
        string path = _spec.WriteClassifier(_temp.File("inference_model.onnx"), ClassNames);

        var error = Assert.Throws<InvalidDataException>(
            () => ImageClassifier.Load(path, new EmbeddingModelOptions { ExpectedSha256 = new string('0', 64) }));

        Assert.Contains("0000000000", error.Message);
    }

    [Fact]
    public async Task Dispose_WhileThreadsClassify_LetsEachCallEitherFinishOrBeRefused()
    {
        var big = new TestModel(channels: 3, height: 32, width: 32, filters: 16);
        ImageClassifier classifier = ImageClassifier.Load(big.WriteClassifier(_temp.File("inference_model.onnx"), ClassNames));
        float[] pixels = big.RandomPixels(8, seed: 1);

        await ConcurrentDispose.CheckAsync(classifier, () =>
        {
            float[] probabilities = new float[8 * ClassNames.Length];
            classifier.Classify(pixels, probabilities);
            return probabilities;
        });
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndCallsAfterAreRefused()
    {
        ImageClassifier classifier = ImageClassifier.Load(_spec.WriteClassifier(_temp.File("inference_model.onnx"), ClassNames));

        classifier.Dispose();
        classifier.Dispose();

        Assert.Throws<ObjectDisposedException>(() => classifier.Classify(_spec.RandomPixels(1, seed: 1), new float[ClassNames.Length]));
    }
}
