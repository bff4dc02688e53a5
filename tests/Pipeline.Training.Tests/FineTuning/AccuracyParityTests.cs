using Pipeline.Data;
using Pipeline.Inference;
using Pipeline.Inference.Classification;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Tests.Export;
using Pipeline.Training.Tests.Pretraining;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.FineTuning;

/// <summary>
/// The same linear head fine-tuned two ways — through the artifacts in ONNX Runtime (FineTuner, then the exported
/// inference model) and in TorchSharp (the encoder's own embeddings, autograd, torch.optim.AdamW) — with the same
/// initial weights, batches and schedule, reaches the same test accuracy within half a point.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class AccuracyParityTests(ITestOutputHelper output)
{
    private static readonly FineTuneOptions Options = new()
    {
        Epochs = 15, BatchSize = 32, LearningRate = 1e-2, ValidationFraction = 0, ClassBalance = ClassBalance.Off, Seed = 0,
    };

    [Fact]
    public void LinearHead_TrainedThroughTheArtifactsAndInTorchSharp_ReachesTheSameTestAccuracy()
    {
        using var folder = new TempDirectory();
        ImageSet train = TinyRun.Images(600);
        ImageSet test = FashionMnist.Load(FashionMnistSplit.Test).Take(2000);
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet", seed: 3);
        string model;
        using (Tensor pixels = ExportFixtures.Pixels(4))
        {
            model = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx")).Path;
        }
        EmbeddingStandardization standardization;
        using (EmbeddingModel embedder = EmbeddingModel.Load(model))
        {
            standardization = EmbeddingStandardization.Measure(embedder.EmbedBytes(train.Pixels), embedder.EmbeddingDim);
        }
        var adamW = new AdamWStep(WeightDecay: 1e-4);
        string artifacts = Path.Combine(folder.Path, "artifacts");
        new FineTuneArtifactGenerator().Generate(model, new FineTuneArtifactOptions
        {
            ClassNames = train.ClassNames, Optimizer = adamW, Standardization = standardization, Seed = 0,
        }, artifacts);

        double viaArtifacts;
        Dictionary<string, float[]> initial;
        using (FineTuner tuner = FineTuner.Open(artifacts))
        {
            initial = tuner.Parameters();
            tuner.Fit(train, Options);
            tuner.ExportInferenceModel(folder.File("inference_model.onnx"), "{}");
            using var classifier = ImageClassifier.Load(folder.File("inference_model.onnx"));
            viaArtifacts = ClassificationReport.From(test.Labels!, classifier.Predict(test), test.ClassNames).Accuracy;
        }
        double inTorchSharp = TorchSharpAccuracy(encoder, train, test, initial, standardization, adamW);

        output.WriteLine($"test accuracy: artifacts (ONNX Runtime) {viaArtifacts:P2}, TorchSharp {inTorchSharp:P2}");
        Assert.True(viaArtifacts > 0.5, $"the head learned little ({viaArtifacts:P1}): the comparison would prove nothing");
        Assert.InRange(Math.Abs(viaArtifacts - inTorchSharp), 0, 0.005);
    }

    private static double TorchSharpAccuracy(Encoder encoder, ImageSet train, ImageSet test, Dictionary<string, float[]> initial,
        EmbeddingStandardization standardization, AdamWStep adamW)
    {
        using var scope = NewDisposeScope();
        Tensor Embed(ImageSet images)
        {
            using var noGrad = no_grad();
            Tensor h = encoder.forward(PixelTensors.FromImages(images, 0, images.Count, CPU));
            return h.sub(tensor(standardization.Mean)).div(tensor(standardization.Std));
        }
        Tensor x = Embed(train), xTest = Embed(test);
        Tensor y = tensor(train.Labels!.Select(label => (long)label).ToArray());
        var weight = new TorchSharp.Modules.Parameter(tensor(initial[ClassificationHeadNames.Weight]).reshape(10, x.shape[1]));
        var bias = new TorchSharp.Modules.Parameter(tensor(initial[ClassificationHeadNames.Bias]));
        optim.Optimizer[] optimizers =
        [
            optim.AdamW([weight], Options.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay),
            optim.AdamW([bias], Options.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, 0),
        ];
        // FineTuner's batches and schedule: the sampler's epoch orders, warm-up 0, cosine over every step.
        var sampler = new ClassBalancedSampler(train.Labels!, 10, ClassBalance.Off, Options.Seed);
        int stepsPerEpoch = (train.Count + Options.BatchSize - 1) / Options.BatchSize;
        var schedule = new WarmupCosineSchedule(Options.LearningRate, 0, stepsPerEpoch * Options.Epochs);
        long step = 0;
        for (int epoch = 0; epoch < Options.Epochs; epoch++)
        {
            int[] order = sampler.EpochOrder(epoch);
            for (int start = 0; start < order.Length; start += Options.BatchSize, step++)
            {
                using var stepScope = NewDisposeScope();
                Tensor indices = tensor(order.Skip(start).Take(Options.BatchSize).Select(i => (long)i).ToArray());
                foreach (optim.Optimizer optimizer in optimizers)
                {
                    foreach (var group in optimizer.ParamGroups)
                    {
                        group.LearningRate = schedule.LearningRate(step);
                    }
                    optimizer.zero_grad();
                }
                Tensor logits = nn.functional.linear(x.index_select(0, indices), weight, bias);
                nn.functional.cross_entropy(logits, y.index_select(0, indices)).backward();
                foreach (optim.Optimizer optimizer in optimizers)
                {
                    optimizer.step();
                }
            }
        }
        using var noGrad = no_grad();
        Tensor predicted = nn.functional.linear(xTest, weight, bias).argmax(1);
        long[] labels = test.Labels!.Select(label => (long)label).ToArray();
        return predicted.data<long>().ToArray().Zip(labels, (p, l) => p == l ? 1 : 0).Average();
    }

    /// <summary>The linear head's parameter names in the artifacts.</summary>
    private static class ClassificationHeadNames
    {
        public const string Weight = "head.0.weight";
        public const string Bias = "head.0.bias";
    }
}
