using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Classification;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTunerTests
{
    private static readonly FineTuneOptions Quick = new() { Epochs = 30, BatchSize = 8, LearningRate = 1e-2, ValidationFraction = 0.25, Patience = 0 };

    [Theory]
    [InlineData("none", "linear", true)]
    [InlineData("last-conv-block", "mlp:8", true)]
    [InlineData("last-linear:1", "linear", false)]
    public void Fit_SeparableClasses_LearnsThemAndKeepsTheBestEpoch(string unfreeze, string head, bool cache)
    {
        using var fixture = new FineTuneFixture(unfreeze, head, cache);
        using FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath);
        var epochs = new List<FineTuneProgress>();

        FineTuneResult result = tuner.Fit(FineTuneFixture.Images(24), Quick, progress: new SynchronousProgress<FineTuneProgress>(epochs.Add));

        Assert.Equal(30, result.Epochs);
        Assert.Equal(30 * 7, result.Steps); // 54 training images in batches of 8
        Assert.Equal((54, 18), (result.TrainingExamples, result.ValidationExamples));
        Assert.Equal(cache, result.FeatureCaching > TimeSpan.Zero);
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss / 2, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        Assert.True(result.ValidationAccuracy >= 0.9, $"validation accuracy {result.ValidationAccuracy}");
        Assert.Equal(epochs.Min(epoch => epoch.ValidationLoss), result.ValidationLoss);
        Assert.Equal(epochs.First(epoch => epoch.ValidationLoss == result.ValidationLoss).Epoch, result.BestEpoch);
    }

    [Fact]
    public void Fit_WithPatience_StopsWhenValidationStopsImproving_AndRestoresTheBestWeights()
    {
        using var fixture = new FineTuneFixture(head: "mlp:16");
        using FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath);
        // Labels drawn at random: whatever the head learns is noise, so the validation loss soon rises.
        ImageSet textures = FineTuneFixture.Images(24);
        var random = new Random(5);
        ImageSet images = new(textures.Source, textures.Pixels, textures.Count, 1, 8, 8,
            textures.Labels!.Select(_ => random.Next(3)).ToArray(), textures.ClassNames);

        FineTuneResult result = tuner.Fit(images, Quick with { Epochs = 300, LearningRate = 5e-2, Patience = 5 });

        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 5, result.Epochs);
        // The weights left are the best epoch's: the validation loss they give is the one recorded then.
        (int[] _, int[] validation) = ValidationSplit.Stratified(images.Labels!, 3, 0.25, 0);
        Assert.Equal(result.ValidationLoss!.Value, ValidationLoss(tuner, images, validation), 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_ResumedFromAnInterruptedRun_EndsWithTheSameWeightsAsAnUninterruptedOne(bool augmented)
    {
        // Augmented: crops and flips drawn per step, on artifacts that take pixels.
        using var fixture = new FineTuneFixture("last-conv-block", cacheFeatures: !augmented);
        ImageSet images = FineTuneFixture.Images(16);
        FineTuneOptions options = Quick with { Epochs = 6, HorizontalFlip = augmented, MinCropScale = augmented ? 0.3 : 1 };
        string checkpoint = fixture.File("run/checkpoint.safetensors");

        Dictionary<string, float[]> uninterrupted;
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            tuner.Fit(images, options);
            uninterrupted = tuner.Parameters();
        }
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            using var stop = new CancellationTokenSource();
            var afterThree = new SynchronousProgress<FineTuneProgress>(epoch =>
            {
                if (epoch.Epoch == 3)
                {
                    stop.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => tuner.Fit(images, options, checkpoint, progress: afterThree, cancellationToken: stop.Token));
        }
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            FineTuneResult result = tuner.Fit(images, options, checkpoint, resume: true);

            Assert.Equal(3, result.ResumedFromEpoch);
            Assert.Equal(6, result.Epochs);
            foreach ((string name, float[] values) in uninterrupted)
            {
                Assert.Equal(values, tuner.Parameters()[name]);
            }
        }
    }

    [Fact]
    public void Fit_ResumeWithOtherOptions_IsRefusedShowingBoth()
    {
        using var fixture = new FineTuneFixture();
        ImageSet images = FineTuneFixture.Images(8);
        string checkpoint = fixture.File("checkpoint.safetensors");
        using FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath);
        tuner.Fit(images, Quick with { Epochs = 2 }, checkpoint);

        var error = Assert.Throws<InvalidDataException>(() => tuner.Fit(images, Quick with { Epochs = 2, LearningRate = 0.5 }, checkpoint, resume: true));

        Assert.Contains("\"learningRate\":0.01", error.Message);
        Assert.Contains("\"learningRate\":0.5", error.Message);
    }

    [Theory]
    [InlineData(true, 1.0)]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.5)]
    public void Fit_AugmentingWithCachedFeatures_IsRefused_ButRunsOnPixelArtifacts(bool flip, double minCropScale)
    {
        using var cached = new FineTuneFixture();
        using var pixels = new FineTuneFixture(cacheFeatures: false);
        ImageSet images = FineTuneFixture.Images(8);
        FineTuneOptions augmented = Quick with { Epochs = 2, HorizontalFlip = flip, MinCropScale = minCropScale };

        using (FineTuner tuner = FineTuner.Open(cached.ArtifactsPath))
        {
            var error = Assert.Throws<InvalidSettingException>(() => tuner.Fit(images, augmented));
            Assert.Contains("generate artifacts that take pixels", error.Message);
        }
        using (FineTuner tuner = FineTuner.Open(pixels.ArtifactsPath))
        {
            Assert.Equal(2, tuner.Fit(images, augmented).Epochs);
        }
    }

    [Fact]
    public void Fit_ImbalancedClasses_AreBalancedAutomatically()
    {
        using var fixture = new FineTuneFixture();
        ImageSet images = FineTuneFixture.Images(0, counts: [40, 10, 4]);
        (int[] training, _) = ValidationSplit.Stratified(images.Labels!, 3, Quick.ValidationFraction, Quick.Seed);
        int[] held = Enumerable.Range(0, 3).Select(c => training.Count(i => images.Labels![i] == c)).ToArray();
        var balanced = new List<FineTuneProgress>();
        var asTheyCome = new List<FineTuneProgress>();

        FineTuneResult result;
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            result = tuner.Fit(images, Quick with { Epochs = 2 }, progress: new SynchronousProgress<FineTuneProgress>(balanced.Add));
        }
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            tuner.Fit(images, Quick with { Epochs = 2, ClassBalance = ClassBalance.Off }, progress: new SynchronousProgress<FineTuneProgress>(asTheyCome.Add));
        }

        Assert.True(result.ClassBalanced);
        Assert.True(held.Max() > 5 * held.Min(), string.Join(", ", held));
        // Every epoch's batches hold each class about as often, however few of it there are.
        Assert.All(balanced, epoch =>
        {
            Assert.Equal(held.Sum(), epoch.ExamplesPerClass.Sum());
            Assert.True(epoch.ExamplesPerClass.Max() - epoch.ExamplesPerClass.Min() <= 1, string.Join(", ", epoch.ExamplesPerClass));
        });
        // Unbalanced, they hold the classes in the labels' proportions.
        Assert.All(asTheyCome, epoch => Assert.Equal(held, epoch.ExamplesPerClass));
    }

    [Fact]
    public void Fit_ImagesOfAnotherShape_AreRefusedNamingBothShapes()
    {
        using var fixture = new FineTuneFixture();
        using FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath);
        var images = new ImageSet("wrong", new byte[2 * 3 * 8 * 8], 2, 3, 8, 8, [0, 1], FineTuneFixture.ClassNames);

        var error = Assert.Throws<InvalidSettingException>(() => tuner.Fit(images, Quick));

        Assert.Contains("3x8x8", error.Message);
        Assert.Contains("1x8x8", error.Message);
    }

    [Fact]
    public void ExportedInferenceModel_ClassifiesAsTheFineTunerEvaluates_AndStillServesEmbeddings()
    {
        using var fixture = new FineTuneFixture("last-conv-block", "mlp:6");
        ImageSet images = FineTuneFixture.Images(12);
        using FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath);
        tuner.Fit(images, Quick with { Epochs = 10 });
        string path = fixture.File("out/inference_model.onnx");

        tuner.ExportInferenceModel(path, "{\"epochs\":10}");

        float[] features = tuner.ExtractFeatures(images);
        float[] logits = new float[images.Count * 3];
        tuner.Evaluate(features, images.Labels!.Select(label => (long)label).ToArray(), logits);
        using var classifier = ImageClassifier.Load(path);
        int[] predicted = classifier.Predict(images, batchSize: 7);
        Assert.Equal(Enumerable.Range(0, images.Count).Select(i => Argmax.Of(logits.AsSpan(i * 3, 3))), predicted);
        Assert.Equal(FineTuneFixture.ClassNames, classifier.ClassNames);
        Assert.Contains("\"epochs\":10", classifier.Classifier.FineTune);
        using EmbeddingModel embeddings = EmbeddingModel.Load(path);
        Assert.Equal(5, embeddings.EmbeddingDim);
    }

    [Fact]
    public void Open_ArtifactFolderWithAChangedGraph_IsRefusedNamingTheFile()
    {
        using var fixture = new FineTuneFixture();
        System.IO.File.AppendAllText(Path.Combine(fixture.ArtifactsPath, ArtifactsManifest.TrainingModelFile), "tampered");

        var error = Assert.Throws<InvalidDataException>(() => FineTuner.Open(fixture.ArtifactsPath));

        Assert.Contains(ArtifactsManifest.TrainingModelFile, error.Message);
    }

    private static double ValidationLoss(FineTuner tuner, ImageSet images, int[] validation)
    {
        ImageSet held = images.Select(validation);
        float[] features = tuner.ExtractFeatures(held);
        return tuner.Evaluate(features, held.Labels!.Select(label => (long)label).ToArray(), new float[held.Count * 3]);
    }

}
